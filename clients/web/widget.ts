// The widget's entry module, served as /widget.js: importing it defines <parley-call>.
import { ParleyCallElement } from './parley-call-element.js';

export { ParleyCallElement };
export type { ParleyCallEventMap } from './parley-call-element.js';
export type { CallStateDetail } from './call-controller.js';
export type { WidgetErrorEvent } from './widget-errors.js';

declare global {
  interface HTMLElementTagNameMap {
    'parley-call': ParleyCallElement;
  }
}

// A page that loads the widget twice (two bundles, a hot reload) must not throw.
if (!customElements.get('parley-call')) customElements.define('parley-call', ParleyCallElement);

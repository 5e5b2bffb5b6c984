import type { Browser, Page } from 'playwright-core';

/** A DOM event of `<parley-call>` as the page recorded it. */
export interface RecordedEvent {
  name: string;
  /** Date.now() in the page (the same clock as the test's). */
  at: number;
  detail: { type?: string; state?: string; transport?: string; turn_id?: number; code?: string; [key: string]: unknown };
}

/** Which events to wait for: by DOM event name, wire event `type`, call `state`, or any predicate. */
export interface EventFilter {
  name?: string;
  type?: string;
  state?: string;
  where?: (event: RecordedEvent) => boolean;
}

function matches(event: RecordedEvent, filter: EventFilter): boolean {
  return (
    (filter.name === undefined || event.name === filter.name) &&
    (filter.type === undefined || event.detail.type === filter.type) &&
    (filter.state === undefined || event.detail.state === filter.state) &&
    (filter.where === undefined || filter.where(event))
  );
}

/** What the page code below touches of the browser (this file is compiled without the DOM lib). */
interface PageGlobals {
  customElements: { whenDefined(name: string): Promise<unknown> };
  document: { querySelector(selector: string): PageElement };
  recorded: RecordedEvent[];
}
interface PageElement {
  setAttribute(name: string, value: string): void;
  addEventListener(name: string, listener: (event: { detail: RecordedEvent['detail'] }) => void): void;
}

const EVENT_NAMES = ['parley-state', 'parley-event', 'parley-partial', 'parley-turn-end', 'parley-error'];

/**
 * The demo page (served by Parley at `/`) driven like a person would: the element's
 * buttons by their accessible names, its DOM events recorded in the page.
 */
export class WidgetPage {
  private constructor(readonly page: Page) {}

  /**
   * Opens the demo page of `origin` in a fresh browser context, picks `transport` in the
   * demo's own select (as a person would) and sets the element's other attributes.
   */
  static async open(browser: Browser, origin: string, options: { transport?: string; attributes?: Record<string, string> } = {}): Promise<WidgetPage> {
    const page = await browser.newPage({ viewport: { width: 860, height: 640 } });
    await page.goto(`${origin}/`);
    if (options.transport) await page.getByLabel('Transport').selectOption(options.transport);
    await page.evaluate(
      async ({ attributes, names }) => {
        const page = globalThis as unknown as PageGlobals;
        await page.customElements.whenDefined('parley-call');
        const call = page.document.querySelector('parley-call');
        for (const [name, value] of Object.entries(attributes)) call.setAttribute(name, value);
        page.recorded = [];
        for (const name of names) call.addEventListener(name, (event) => page.recorded.push({ name, at: Date.now(), detail: event.detail }));
      },
      { attributes: options.attributes ?? {}, names: EVENT_NAMES },
    );
    return new WidgetPage(page);
  }

  button(name: string) {
    return this.page.getByRole('button', { name, exact: true });
  }

  async start(): Promise<void> {
    await this.button('Start call').click();
  }

  async hangUp(): Promise<void> {
    await this.button('Hang up').click();
  }

  async events(name?: string): Promise<RecordedEvent[]> {
    const all = await this.page.evaluate(() => (globalThis as unknown as PageGlobals).recorded);
    return name === undefined ? all : all.filter((e) => e.name === name);
  }

  /**
   * Waits until `count` recorded events match `filter`; returns those that do. A call that
   * fails meanwhile ends the wait at once, with what the page saw.
   */
  async waitForEvents(filter: EventFilter, count = 1, timeoutMs = 30_000): Promise<RecordedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.events();
      const matching = events.filter((e) => matches(e, filter));
      if (matching.length >= count) return matching;
      const failed = events.some((e) => e.detail.state === 'failed');
      if (failed || Date.now() > deadline) {
        const seen = events.map((e) => `${e.name} ${e.detail.type ?? ''}${e.detail.state ?? ''} ${e.detail.message ?? ''}`);
        throw new Error(`${failed ? 'the call failed' : `waited ${timeoutMs} ms`} before ${count} x ${JSON.stringify(filter)}; the page saw: ${seen.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Each caption block's text as it reads now (stable words and tail), in turn order. */
  captionTexts(): Promise<string[]> {
    return this.page.locator('parley-call .turn .text').allTextContents();
  }

  /** The widget's status line ("Live over WebRTC", "Reconnecting in 2 s…"). */
  async statusText(): Promise<string> {
    return (await this.page.locator('parley-call .status').textContent()) ?? '';
  }

  /** The widget's error message (its `role="alert"` line), or null while none shows. */
  async errorMessage(): Promise<string | null> {
    const alert = this.page.locator('parley-call .error');
    return (await alert.isVisible()) ? alert.textContent() : null;
  }

  close(): Promise<void> {
    return this.page.context().close();
  }
}

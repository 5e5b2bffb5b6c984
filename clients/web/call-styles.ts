/**
 * The widget's look, scoped by its shadow root. Hosts theme it through custom properties
 * (`--parley-accent`, `--parley-danger`, `--parley-font`, ...) and `::part(...)`.
 */
export const CALL_STYLES = `
:host {
  display: block;
  font-family: var(--parley-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  color: var(--parley-text, #1d2330);
  --accent: var(--parley-accent, #2f6fec);
  --danger: var(--parley-danger, #d33a32);
  --muted: var(--parley-muted, #6b7280);
}
.widget {
  border: 1px solid var(--parley-border, #d8dde6);
  border-radius: 12px;
  padding: 16px;
  background: var(--parley-background, #fff);
}
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
button {
  font: inherit; font-size: 0.95rem; border-radius: 8px; padding: 8px 14px; cursor: pointer;
  border: 1px solid var(--parley-border, #c5ccd8); background: #f5f7fa; color: inherit;
}
button:focus-visible, select:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 1px; }
button:disabled { cursor: default; opacity: 0.45; }
.call { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
.call.hang-up { background: var(--danger); border-color: var(--danger); }
.mute[aria-pressed="true"] { background: #fff3cd; border-color: #e0b64a; }
.talk { touch-action: none; user-select: none; }
.talk.held { background: var(--accent); border-color: var(--accent); color: #fff; }
select { font: inherit; font-size: 0.9rem; padding: 7px 8px; border-radius: 8px; border: 1px solid var(--parley-border, #c5ccd8); max-width: 16rem; }
.level { width: 96px; height: 8px; border-radius: 4px; background: #e6e9ef; overflow: hidden; }
.level-fill { height: 100%; background: #2faa5f; transform: scaleX(0); transform-origin: left; transition: transform 60ms linear; }
.status { margin: 12px 0 0; font-size: 0.9rem; color: var(--muted); }
.status[data-state="live"] { color: #1f7a45; font-weight: 600; }
.error { margin: 8px 0 0; padding: 8px 10px; border-radius: 8px; background: #fdecea; color: #8a1c15; font-size: 0.9rem; }
.captions {
  margin-top: 12px; min-height: 4.5rem; max-height: 16rem; overflow-y: auto;
  display: flex; flex-direction: column; gap: 8px; font-size: 1.05rem; line-height: 1.45;
}
.turn { padding: 8px 10px; border-left: 3px solid #c5ccd8; background: #f8f9fb; border-radius: 0 8px 8px 0; }
.turn.final { border-left-color: var(--accent); }
.turn.corrected { border-left-color: #e0b64a; }
.stable { color: inherit; }
.tail { color: var(--muted); opacity: 0.7; font-style: italic; }
.previous { display: block; color: var(--muted); font-size: 0.85rem; }
.marks { display: inline-flex; gap: 6px; margin-left: 8px; vertical-align: middle; }
.mark { font-size: 0.75rem; padding: 1px 7px; border-radius: 999px; white-space: nowrap; }
.mark-eager { background: #eef3ff; color: #2d4f9e; }
.mark-eager.resumed { text-decoration: line-through; opacity: 0.6; }
.mark-end { background: #e5f5ec; color: #1f7a45; }
.mark-corrected { background: #fff3cd; color: #7a5a00; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

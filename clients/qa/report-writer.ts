import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QaReport } from './qa-report.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';

export const TIMELINES_DIR = 'timelines';
/** Long enough to tell calls apart, short enough for any file system's name limit with a suffix. */
const MAX_NAME = 80;

/**
 * Writes a run's report into `dir`: `report.json`, `report.md`, `report.html` and, under
 * `timelines/`, each call's picture (`pictures` by call id). Each call's `timeline_png` is set
 * to its picture's path, relative to `dir` (null for a call without one); `report` itself is
 * left as it was.
 */
export async function writeReport(dir: string, report: QaReport, pictures: ReadonlyMap<string, Buffer>): Promise<void> {
  await mkdir(join(dir, TIMELINES_DIR), { recursive: true });
  const names = timelineNames(report.calls.map((c) => c.id).filter((id) => pictures.has(id)));
  await Promise.all([...names].map(([id, name]) => writeFile(join(dir, TIMELINES_DIR, name), pictures.get(id)!)));
  const written: QaReport = {
    ...report,
    calls: report.calls.map((call) => {
      const name = names.get(call.id);
      // Forward slashes whatever the platform: the path is a URL in the HTML and Markdown.
      return { ...call, timeline_png: name === undefined ? null : `${TIMELINES_DIR}/${name}` };
    }),
  };
  await Promise.all([
    writeFile(join(dir, 'report.json'), `${JSON.stringify(written, null, 2)}\n`),
    writeFile(join(dir, 'report.md'), renderMarkdown(written)),
    writeFile(join(dir, 'report.html'), renderHtml(written)),
  ]);
}

/**
 * A file name per call id: letters, digits, `.`, `_` and `-` only, no leading dot, no name
 * Windows reserves; ids that come out the same (compared without case, as macOS and Windows
 * do) get `-2`, `-3`, ... in order.
 */
export function timelineNames(ids: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of ids) {
    if (names.has(id)) continue;
    let stem = id
      // Accented letters keep their base letter: "ça" is "ca", not "c_a".
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, MAX_NAME);
    if (stem === '') stem = 'call';
    if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(stem)) stem = `_${stem}`;
    let name = `${stem}.png`;
    for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${stem}-${k}.png`;
    taken.add(name.toLowerCase());
    names.set(id, name);
  }
  return names;
}

// Parses each Mermaid file with the Mermaid library GitHub renders with, so a diagram
// the plan writes cannot reach readers as a parse error. Run from a directory holding
// node_modules with mermaid and jsdom (see .ci/run).
import { JSDOM } from 'jsdom';
import fs from 'fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let bad = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(fs.readFileSync(file, 'utf8'));
    console.log('ok  ', file);
  } catch (e) {
    bad++;
    console.log('FAIL', file, String(e.message || e));
  }
}
process.exit(bad ? 1 : 0);

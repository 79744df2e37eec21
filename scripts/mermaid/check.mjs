// Parse Mermaid diagrams with Mermaid's own parser (the one that renders them on GitHub and in
// the Mermaid CLI) without a browser: jsdom stands in for the page, where Mermaid's DOMPurify
// sanitises the labels.
// Input on stdin: a JSON array of diagram sources. Output on stdout: a JSON array, one
// {"ok": true, "type": "..."} or {"ok": false, "error": "..."} per diagram, in order.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const sources = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const source of sources) {
  try {
    const parsed = await mermaid.parse(source);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));

// Parse each Mermaid block given on stdin (JSON list of strings) with Mermaid's own parser, in a
// jsdom window (mermaid needs a DOM to load); print one line per block: "ok" or the error.
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let input = "";
for await (const chunk of process.stdin) input += chunk;
for (const block of JSON.parse(input)) {
  try {
    await mermaid.parse(block);
    console.log("ok");
  } catch (error) {
    console.log(`error: ${String(error.message || error).split("\n").join(" ")}`);
  }
}

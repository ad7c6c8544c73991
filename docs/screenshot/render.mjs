// Render a pull-request comment (Markdown) as GitHub shows it, for a screenshot in headless chromium:
// GFM by `marked`, GitHub's Markdown CSS, Mermaid blocks drawn by `mermaid`, a 900 px content column.
// Run from a folder holding node_modules with marked, github-markdown-css and mermaid:
//   node render.mjs comment.md > comment.html
//   chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=932,1400 \
//     --virtual-time-budget=8000 --screenshot=comment.png comment.html
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(`${process.cwd()}/`);  // the packages are where it runs, not in the repo
const { marked } = require("marked");
const css = readFileSync(require.resolve("github-markdown-css/github-markdown-light.css"), "utf8");
const mermaid = require.resolve("mermaid/dist/mermaid.min.js");
const alerts = { NOTE: "#0969da", CAUTION: "#cf222e", WARNING: "#9a6700" };
const renderer = new marked.Renderer();
const code = renderer.code.bind(renderer);
renderer.code = (token) => (token.lang === "mermaid" ? `<pre class="mermaid">${token.text}</pre>` : code(token));
let html = marked.parse(readFileSync(process.argv[2], "utf8"), { gfm: true, renderer });
for (const [kind, color] of Object.entries(alerts)) {  // GitHub's alert blocks, as it colours them
  html = html.replaceAll(`<blockquote>\n<p>[!${kind}]`,
    `<blockquote style="border-left-color:${color}"><p><b style="color:${color}">${kind[0]}${kind.slice(1).toLowerCase()}</b><br>`);
}
console.log(`<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; } .markdown-body { box-sizing: border-box; width: 900px; padding: 16px; }
</style><script src="file://${mermaid}"></script></head><body><article class="markdown-body">${html}</article>
<script>mermaid.initialize({ startOnLoad: true, theme: "default" });</script></body></html>`);

/** The HTML report's stylesheet, inlined into the page (screen and print). */
export const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7f9;--card:#fff;--pass:#15803d;--pass-bg:#dcfce7;
--fail:#b91c1c;--fail-bg:#fee2e2;--skip:#6b7280;--skip-bg:#f3f4f6;--warn:#b45309;--warn-bg:#fef3c7;--accent:#1e3a8a}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#0f172a;color:#e2e8f0;padding:22px 40px 18px}
header.top h1{margin:0 0 4px;font-size:22px;color:#fff;font-weight:650;letter-spacing:.2px}
header.top .meta{font-size:12.5px;color:#94a3b8}
header.top .overall{float:right;margin-top:2px}
main{max-width:1180px;margin:0 auto;padding:24px 40px 48px}
h2{font-size:18px;margin:0 0 12px;font-weight:650}
h3{font-size:15px;margin:18px 0 8px;font-weight:600}
h4{font-size:13.5px;margin:10px 0 4px}
section.block{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 22px;margin:0 0 20px}
.alert{border-radius:10px;padding:16px 20px;margin:0 0 20px;border:2px solid var(--fail);background:var(--fail-bg);color:#7f1d1d}
.alert h2{color:#7f1d1d;margin-bottom:6px}
.alert ul{margin:6px 0 0;padding-left:20px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(132px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fbfcfd}
.card .label{font-size:11.5px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted)}
.card .value{font-size:26px;font-weight:700;line-height:1.2;margin-top:2px}
.card .sub{font-size:12px;color:var(--muted)}
.card.pass .value{color:var(--pass)}.card.fail .value{color:var(--fail)}.card.tampered{border-color:var(--fail);background:var(--fail-bg)}
.card.tampered .value{color:var(--fail)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.charts figure{margin:0}.charts figcaption{font-weight:600;margin-bottom:6px;font-size:13px}
svg.chart{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
th{font-size:11.5px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);font-weight:600;background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.resource td{background:#f9fafb;font-weight:600}
td.msg{word-break:break-word}
td.mono,td.wrap{overflow-wrap:anywhere}
td.nowrap{white-space:nowrap}
td.loc{overflow-wrap:normal}
th.result{width:90px}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:11.5px;font-weight:700;letter-spacing:.4px;text-transform:uppercase;white-space:nowrap}
.pill.pass,.pill.passed{background:var(--pass-bg);color:var(--pass)}
.pill.fail,.pill.failed{background:var(--fail-bg);color:var(--fail)}
.pill.skip,.pill.not-covered,.pill.not-applicable,.pill.superseded{background:var(--skip-bg);color:var(--skip)}
.pill.tampered{background:var(--fail);color:#fff}
.pill.error{background:var(--fail-bg);color:var(--fail)}.pill.warning{background:var(--warn-bg);color:var(--warn)}
.pill.info{background:#e0e7ff;color:#3730a3}
dl.identity{display:grid;grid-template-columns:160px 1fr 160px 1fr;gap:4px 14px;margin:0 0 10px;font-size:13px}
dl.identity dt{color:var(--muted)}dl.identity dd{margin:0;word-break:break-all}
.muted{color:var(--muted)}
.failure{color:var(--fail)}
.guidance{border-left:3px solid var(--accent);background:#f8fafc;padding:8px 12px;margin:8px 0;font-size:13px}
.guidance p{margin:3px 0}
.artifact-head{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.artifact-head h2{margin:0}
details>summary{cursor:pointer;color:var(--accent);margin:6px 0}
.timings span{margin-right:18px}
pre{background:#0f172a;color:#e2e8f0;padding:10px 12px;border-radius:6px;overflow-x:auto;font:12px/1.45 ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre-wrap;word-break:break-all}
footer{max-width:1180px;margin:0 auto;padding:0 40px 30px;color:var(--muted);font-size:12px}
@media (max-width:800px){.charts{grid-template-columns:1fr}dl.identity{grid-template-columns:120px 1fr}main{padding:16px}}
@media print{
 @page{margin:14mm 12mm}
 html,body{background:#fff;font-size:11px}
 th,td{padding:3px 5px}
 th{font-size:9.5px}
 code,.mono{font-size:10px}
 header.top{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 8px}
 header.top h1{color:#000}header.top .meta{color:#333}
 main{max-width:none;padding:10px 0}
 section.block{border:none;padding:0;margin:0 0 14px;break-inside:auto}
 .card,.alert,tr,.guidance,figure{break-inside:avoid}
 .artifact{break-before:page}
 a{color:inherit}
 details>summary{display:none}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

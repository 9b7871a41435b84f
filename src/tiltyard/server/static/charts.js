// Render every Vega-Lite spec the page embeds as <script type="application/json" data-chart="ID">.
document.querySelectorAll('script[data-chart]').forEach(function (node) {
  vegaEmbed('#' + node.dataset.chart, JSON.parse(node.textContent), {actions: false, renderer: 'svg'})
    .catch(function (error) { document.getElementById(node.dataset.chart).textContent = 'Chart failed: ' + error; });
});

// Charts for the managers' dashboard (R45), drawn with Chart.js from the table each
// chart sits beside: the table is the figure, the chart only a picture of it, so a
// reader with a screen reader (or no JavaScript) loses nothing. No inline script: the
// page's content security policy stays strict.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController,
  LineElement, PointElement, Legend, Tooltip);

// GOV.UK colours, distinguishable in grey scale too (they differ in lightness).
const COLOURS = ['#00703c', '#f47738', '#d4351c', '#1d70b8', '#4c2c92', '#505a5f'];

function readTable(table) {
  const series = [...table.querySelectorAll('thead th[data-series]')].map((th) => th.textContent.trim());
  const labels = [];
  const values = series.map(() => []);
  for (const row of table.querySelectorAll('tbody tr[data-row]')) {
    labels.push(row.querySelector('th').textContent.trim());
    row.querySelectorAll('td[data-value]').forEach((td, n) => values[n].push(Number(td.dataset.value)));
  }
  return { labels, datasets: series.map((label, n) => ({ label, data: values[n] })) };
}

function draw(canvas) {
  const table = document.getElementById(canvas.dataset.chartFor);
  if (!table) return;
  const kind = canvas.dataset.chart;
  const data = readTable(table);
  data.datasets.forEach((set, n) => {
    set.backgroundColor = COLOURS[n % COLOURS.length];
    set.borderColor = COLOURS[n % COLOURS.length];
  });
  const stacked = kind === 'stacked';
  new Chart(canvas, {
    type: kind === 'line' ? 'line' : 'bar',
    data,
    options: {
      indexAxis: kind === 'line' ? 'x' : 'y',
      animation: false,
      maintainAspectRatio: false,
      responsive: true,
      plugins: { legend: { display: data.datasets.length > 1, position: 'bottom' } },
      scales: {
        x: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        y: { stacked, beginAtZero: true, ticks: { precision: 0 } }
      }
    }
  });
  canvas.closest('.app-chart')?.classList.add('app-chart--drawn');
}

document.querySelectorAll('canvas[data-chart]').forEach(draw);

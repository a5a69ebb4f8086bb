// A read-only diagram: where a case sits (completed, current, overdue elements marked),
// or how many cases wait at each element of a process (counts as overlays).
// On load the whole diagram is fitted to the width; when that would make its labels too
// small to read, it is shown at a readable size around where the case is instead, and
// "Fit the whole diagram" is one button away. Zoom and pan are buttons (keyboard and
// screen-reader users), as well as the mouse wheel and dragging.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import spiffworkflow from './spiffworkflow.json';
import { readData } from './page.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import './diagram.css';

// bpmn-js draws labels at 12px: below this scale they are under 8px, too small to read.
const READABLE = 0.7;
const STEP = 1.25;
const PAN = 200;

// A count badge: a link to the cases waiting there, or plain text when there is none to
// list. A link's accessible name starts with the words it shows (WCAG 2.5.3, label in
// name), then says what they count: "2 (1 overdue): 2 open cases, 1 overdue, at Grade
// the risk".
function badge(count) {
  const box = document.createElement(count.url ? 'a' : 'span');
  box.className = 'sg-count' + (count.overdue ? ' sg-count--overdue' : '');
  const shown = `${count.open}` + (count.overdue ? ` (${count.overdue} overdue)` : '')
    + (count.timers ? ` ⏱${count.timers}` : '');
  box.textContent = shown;
  if (count.url) {
    box.href = count.url;
    const timers = count.timers
      ? `, ${count.timers} waiting ${count.timers === 1 ? 'timer' : 'timers'}` : '';
    box.setAttribute('aria-label', `${shown}: ${count.open} open `
      + `${count.open === 1 ? 'case' : 'cases'}, ${count.overdue || 0} overdue${timers}, `
      + `at ${count.name || 'this step'}`);
  }
  return box;
}

function bounds(registry, ids) {
  const shapes = ids.map((id) => registry.get(id)).filter((s) => s && s.width !== undefined);
  if (!shapes.length) return null;
  const x = Math.min(...shapes.map((s) => s.x));
  const y = Math.min(...shapes.map((s) => s.y));
  return { x, y, width: Math.max(...shapes.map((s) => s.x + s.width)) - x,
           height: Math.max(...shapes.map((s) => s.y + s.height)) - y };
}

// Fit the diagram; if its labels would be too small, zoom to a readable size centred on
// `focus` (where the case is), else on the start of the diagram.
function fitReadable(canvas, registry, focus, status, where) {
  canvas.zoom('fit-viewport', 'auto');
  if (canvas.zoom() >= READABLE) {
    status('The whole diagram is shown.');
    return;
  }
  const box = bounds(registry, focus) || canvas.viewbox().inner;
  const centre = focus.length ? { x: box.x + box.width / 2, y: box.y + box.height / 2 }
    : { x: box.x + 200, y: box.y + box.height / 2 };
  canvas.zoom(READABLE, 'auto');
  const view = canvas.viewbox();
  canvas.viewbox({ x: centre.x - view.width / 2, y: centre.y - view.height / 2,
                   width: view.width, height: view.height });
  status(`Shown at a readable size ${focus.length ? `around ${where}` : 'from the start'}. `
    + 'Use "Fit the whole diagram" to see all of it.');
}

function wireControls(root, canvas, registry, focus, where) {
  const controls = document.querySelector(`[data-controls-for="${root.id}"]`);
  const statusLine = controls && controls.querySelector('.app-diagram-status');
  const status = (text) => { if (statusLine) statusLine.textContent = text; };
  fitReadable(canvas, registry, focus, status, where);
  if (!controls) return;
  const actions = {
    fit: () => { canvas.zoom('fit-viewport', 'auto'); status('The whole diagram is shown.'); },
    'zoom-in': () => { canvas.zoom(canvas.zoom() * STEP, 'auto'); status('Zoomed in.'); },
    'zoom-out': () => { canvas.zoom(canvas.zoom() / STEP, 'auto'); status('Zoomed out.'); },
    left: () => canvas.scroll({ dx: PAN, dy: 0 }),
    right: () => canvas.scroll({ dx: -PAN, dy: 0 }),
    up: () => canvas.scroll({ dx: 0, dy: PAN }),
    down: () => canvas.scroll({ dx: 0, dy: -PAN })
  };
  for (const button of controls.querySelectorAll('[data-diagram-action]')) {
    button.addEventListener('click', () => actions[button.dataset.diagramAction]());
  }
  controls.hidden = false;
}

async function show(root) {
  const viewer = new NavigatedViewer({
    container: root.querySelector('.sg-canvas') || root,
    moddleExtensions: { spiffworkflow }
  });
  const response = await fetch(readData(root, 'xmlUrl'), { credentials: 'same-origin' });
  await viewer.importXML(await response.text());
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const mark = (ids, marker) => {
    for (const id of ids || []) if (registry.get(id)) canvas.addMarker(id, marker);
  };
  const overdue = readData(root, 'overdue', []);
  const current = readData(root, 'current', []);
  mark(readData(root, 'completed', []), 'sg-completed');
  mark(current, 'sg-current');
  mark(overdue, 'sg-overdue');

  const links = readData(root, 'links', {});
  const countsUrl = readData(root, 'countsUrl');
  const focus = [...overdue, ...current];
  if (countsUrl) {
    const counts = await (await fetch(countsUrl, { credentials: 'same-origin' })).json();
    const overlays = viewer.get('overlays');
    for (const count of counts.elements || []) {
      if (!registry.get(count.element_id)) continue;
      overlays.add(count.element_id, { position: { top: -12, right: 12 }, html: badge(count) });
      if (count.url) links[count.element_id] = count.url;
      if (count.open) focus.push(count.element_id);
    }
  }
  wireControls(root, canvas, registry, focus,
               countsUrl ? 'where cases are waiting' : 'where the case is now');
  // Clicking an element with a link opens it: a called diagram for this case, or the
  // list of cases waiting at that element.
  viewer.on('element.click', ({ element }) => {
    if (links[element.id]) window.location.assign(links[element.id]);
  });
  for (const id of Object.keys(links)) if (registry.get(id)) canvas.addMarker(id, 'sg-link');
  root.dataset.ready = 'true';
}

for (const root of document.querySelectorAll('.sg-diagram')) show(root);

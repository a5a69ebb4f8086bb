// A read-only diagram: where a case sits (completed, current, overdue elements marked),
// or how many cases wait at each element of a process (counts as overlays).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import spiffworkflow from './spiffworkflow.json';
import { readData } from './page.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import './diagram.css';

function badge(count) {
  const box = document.createElement('a');
  box.className = 'sg-count' + (count.overdue ? ' sg-count--overdue' : '');
  box.href = count.url || '#';
  box.textContent = `${count.open}` + (count.overdue ? ` (${count.overdue} overdue)` : '')
    + (count.timers ? ` ⏱${count.timers}` : '');
  box.setAttribute('aria-label', `${count.open} open, ${count.overdue} overdue, `
    + `${count.timers || 0} waiting timers at ${count.name || count.element_id}`);
  return box;
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
  canvas.zoom('fit-viewport');
  const mark = (ids, marker) => {
    for (const id of ids || []) if (registry.get(id)) canvas.addMarker(id, marker);
  };
  mark(readData(root, 'completed', []), 'sg-completed');
  mark(readData(root, 'current', []), 'sg-current');
  mark(readData(root, 'overdue', []), 'sg-overdue');

  const links = readData(root, 'links', {});
  const countsUrl = readData(root, 'countsUrl');
  if (countsUrl) {
    const counts = await (await fetch(countsUrl, { credentials: 'same-origin' })).json();
    const overlays = viewer.get('overlays');
    for (const count of counts.elements || []) {
      if (!registry.get(count.element_id)) continue;
      overlays.add(count.element_id, { position: { top: -12, right: 12 }, html: badge(count) });
      if (count.url) links[count.element_id] = count.url;
    }
  }
  // Clicking an element with a link opens it: a called diagram for this case, or the
  // list of cases waiting at that element.
  viewer.on('element.click', ({ element }) => {
    if (links[element.id]) window.location.assign(links[element.id]);
  });
  for (const id of Object.keys(links)) if (registry.get(id)) canvas.addMarker(id, 'sg-link');
  root.dataset.ready = 'true';
}

for (const root of document.querySelectorAll('.sg-diagram')) show(root);

// The process owner's modeller: bpmn-js with the properties panel and our Safeguard Flow
// group. The linter's one rule is the server's Check (bpmnlint-plugin-safeguard): Check
// runs on the diagram as it is edited and its findings show on the elements, with the
// linter's own badges and count, and once in the list below (issue 12).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import lintConfig from '../build/bpmnlint-config.js';
import spiffworkflow from './spiffworkflow.json';
import { SafeguardPropertiesModule } from './properties.js';
import { listProblems, postXml, publishAfterSaving, readData, say } from './page.js';
import { setFindings } from './bpmnlint-plugin-safeguard/findings.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './diagram.css';
import './modeller.css';

const PROBLEM = 'sg-problem';
const CHECK_DELAY_MS = 700; // after the last edit

async function start(root) {
  const csrf = readData(root, 'csrfToken', '');
  // The panel's stylesheet hangs its variables on this class.
  root.querySelector('.sg-properties').classList.add('bio-theme-parent');
  const modeler = new BpmnModeler({
    container: root.querySelector('.sg-canvas'),
    propertiesPanel: { parent: root.querySelector('.sg-properties') },
    linting: { bpmnlint: lintConfig, active: true },
    moddleExtensions: { spiffworkflow },
    safeguard: {
      roles: readData(root, 'roles', []), forms: readData(root, 'forms', []),
      units: readData(root, 'units', []), anchors: readData(root, 'anchors', []),
      deadlineUrl: readData(root, 'deadlineUrl', '')
    },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, SafeguardPropertiesModule,
      lintModule
    ]
  });
  window.safeguardModeller = modeler; // for the browser tests
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  let marked = [];

  function select(id) {
    const element = registry.get(id);
    if (!element) return;
    modeler.get('selection').select(element);
    canvas.scrollToElement(element, { top: 40, bottom: 40, right: 40,
                                      left: paletteRight(root) + 40 });
  }

  function markProblems(problems) {
    for (const id of marked) {
      if (registry.get(id)) canvas.removeMarker(id, PROBLEM);
    }
    marked = problems.map((p) => p.element).filter((id) => id && registry.get(id));
    for (const id of marked) canvas.addMarker(id, PROBLEM);
  }

  // The list below the canvas is Check's findings; the same ones the linter shows.
  function showProblems(found) {
    const problems = found.map((p) => {
      const element = p.element && registry.get(p.element);
      const name = element && element.businessObject.name;
      return name ? { ...p, name: name.replace(/\s+/g, ' ') } : p;
    });
    setFindings(problems);
    markProblems(problems);
    modeler.get('linting').update();
    listProblems(document.getElementById('check-results'), problems, select,
                 'Check found no problems: the draft can be published.');
    root.dataset.problems = String(problems.length);
    document.dispatchEvent(new CustomEvent('safeguard:checked', { detail: problems }));
  }

  async function checkNow() {
    const { xml } = await modeler.saveXML({ format: true });
    const result = await postXml(readData(root, 'checkUrl'), xml, csrf);
    const problems = result.problems || [];
    showProblems(problems);
    return problems;
  }

  let pending = null;
  let running = Promise.resolve();
  function checkSoon() {
    clearTimeout(pending);
    root.dataset.checked = 'false';
    pending = setTimeout(() => {
      running = running.then(checkNow).catch((error) => say(`Check did not run: ${error.message}`))
        .finally(() => { root.dataset.checked = 'true'; });
    }, CHECK_DELAY_MS);
  }
  modeler.on('commandStack.changed', checkSoon);

  const response = await fetch(readData(root, 'xmlUrl'), { credentials: 'same-origin' });
  await modeler.importXML(await response.text());
  fitBesidePalette(root, canvas);
  say('The diagram is loaded.');
  for (const button of document.querySelectorAll('.sg-zoom [data-zoom]')) {
    button.addEventListener('click', () => {
      const how = button.dataset.zoom;
      if (how === 'fit') fitBesidePalette(root, canvas);
      else canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8));
    });
  }
  try {
    await checkNow();
  } catch (error) {
    say(`Check did not run: ${error.message}`);
  }
  root.dataset.checked = 'true';

  async function save() {
    const { xml } = await modeler.saveXML({ format: true });
    return postXml(readData(root, 'saveUrl'), xml, csrf);
  }

  document.getElementById('save-draft')?.addEventListener('click', async () => {
    try {
      const saved = await save();
      say(saved.message || 'The draft is saved.');
    } catch (error) {
      say(`The draft was not saved: ${error.message}`);
    }
  });

  publishAfterSaving(save);

  document.getElementById('check-diagram')?.addEventListener('click', async () => {
    try {
      await save();
      const problems = await checkNow();
      say(problems.length ? `Check found ${problems.length} problem(s).`
                          : 'Check found no problems.');
    } catch (error) {
      say(`Check did not run: ${error.message}`);
    }
  });
}

// How far the palette reaches into the canvas, in screen pixels.
function paletteRight(root) {
  const box = root.querySelector('.sg-canvas').getBoundingClientRect();
  const palette = root.querySelector('.djs-palette');
  return palette ? palette.getBoundingClientRect().right - box.left : 0;
}

// Zoom to fit the space right of the palette, so the palette covers none of the diagram.
function fitBesidePalette(root, canvas) {
  canvas.zoom('fit-viewport');
  const left = paletteRight(root) + 16;
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const margin = 16;
  const scale = Math.min((outer.width - left - margin) / inner.width,
                         (outer.height - 2 * margin) / inner.height, 1);
  canvas.viewbox({ x: inner.x - left / scale, y: inner.y - margin / scale,
                   width: outer.width / scale, height: outer.height / scale });
}

const root = document.getElementById('modeller');
if (root) start(root);

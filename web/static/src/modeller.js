// The process owner's modeller: bpmn-js with the properties panel, our Safeguard Flow
// group, bpmnlint, and the server's Check shown on the elements.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import lintConfig from '../build/bpmnlint-config.js';
import spiffworkflow from './spiffworkflow.json';
import { SafeguardPropertiesModule } from './properties.js';
import { listProblems, postXml, publishAfterSaving, readData, say } from './page.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './diagram.css';

const PROBLEM = 'sg-problem';

async function start(root) {
  const csrf = readData(root, 'csrfToken', '');
  // The panel's stylesheet hangs its variables on this class.
  root.querySelector('.sg-properties').classList.add('bio-theme-parent');
  const modeler = new BpmnModeler({
    container: root.querySelector('.sg-canvas'),
    propertiesPanel: { parent: root.querySelector('.sg-properties') },
    linting: { bpmnlint: lintConfig, active: true },
    moddleExtensions: { spiffworkflow },
    safeguard: { roles: readData(root, 'roles', []), forms: readData(root, 'forms', []) },
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
    canvas.scrollToElement(element);
  }

  function markProblems(problems) {
    for (const id of marked) {
      if (registry.get(id)) canvas.removeMarker(id, PROBLEM);
    }
    marked = problems.map((p) => p.element).filter((id) => id && registry.get(id));
    for (const id of marked) canvas.addMarker(id, PROBLEM);
  }

  modeler.on('linting.completed', ({ issues }) => {
    const found = [];
    for (const [element, list] of Object.entries(issues || {})) {
      for (const issue of list) {
        found.push({ element, message: `${issue.message} (${issue.category}, ${issue.rule})` });
      }
    }
    listProblems(document.getElementById('lint-results'), found, select,
                 'bpmnlint finds nothing to mention.');
  });

  const response = await fetch(readData(root, 'xmlUrl'), { credentials: 'same-origin' });
  await modeler.importXML(await response.text());
  canvas.zoom('fit-viewport');
  say('The diagram is loaded.');

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
      const { xml } = await modeler.saveXML({ format: true });
      const result = await postXml(readData(root, 'checkUrl'), xml, csrf);
      const problems = result.problems || [];
      markProblems(problems);
      listProblems(document.getElementById('check-results'), problems, select,
                   'Check found no problems: the draft can be published.');
      say(problems.length ? `Check found ${problems.length} problem(s).`
                          : 'Check found no problems.');
      document.dispatchEvent(new CustomEvent('safeguard:checked', { detail: problems }));
    } catch (error) {
      say(`Check did not run: ${error.message}`);
    }
  });
}

const root = document.getElementById('modeller');
if (root) start(root);

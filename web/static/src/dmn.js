// Decision tables for process owners: dmn-js, saved and checked like diagrams.
import DmnModeler from 'dmn-js/lib/Modeler';

import { listProblems, postXml, publishAfterSaving, readData, say } from './page.js';

import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import './diagram.css';

async function start(root) {
  const csrf = readData(root, 'csrfToken', '');
  const modeler = new DmnModeler({ container: root.querySelector('.sg-canvas') });
  window.safeguardModeller = modeler;
  const response = await fetch(readData(root, 'xmlUrl'), { credentials: 'same-origin' });
  await modeler.importXML(await response.text());
  const table = modeler.getViews().find((v) => v.type === 'decisionTable');
  if (table) await modeler.open(table);
  say('The decision table is loaded.');

  async function save() {
    const { xml } = await modeler.saveXML({ format: true });
    await postXml(readData(root, 'saveUrl'), xml, csrf);
    return xml;
  }
  document.getElementById('save-draft')?.addEventListener('click', async () => {
    try { await save(); say('The draft is saved.'); } catch (e) { say(`Not saved: ${e.message}`); }
  });
  publishAfterSaving(save);
  document.getElementById('check-diagram')?.addEventListener('click', async () => {
    try {
      const xml = await save();
      const { problems = [] } = await postXml(readData(root, 'checkUrl'), xml, csrf);
      listProblems(document.getElementById('check-results'), problems, () => {},
                   'Check found no problems: the draft can be published.');
      say(problems.length ? `Check found ${problems.length} problem(s).` : 'Check found no problems.');
    } catch (e) {
      say(`Check did not run: ${e.message}`);
    }
  });
}

const root = document.getElementById('dmn-modeller');
if (root) start(root);

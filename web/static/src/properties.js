// The "Safeguard Flow" group of the properties panel: what our engine reads from a
// diagram, set without touching XML. A lane's name is its role (chosen by name); a user
// task carries its form (chosen by title) and rule ids as spiffworkflow:property entries;
// a timer's deadline is set with the builder ("72 hours after found"), which writes the
// timer expression and the words people see (issue 12). The expression itself stays
// under "Advanced" for developers.
import htm from 'htm';
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useState } from '@bpmn-io/properties-panel/preact/hooks';
import {
  SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const html = htm.bind(h);
const RULES = /^R\d{1,2}(\s*,\s*R\d{1,2})*$/;
const CITATION = /\s*\((R\d{1,2}(?:\s*,\s*R\d{1,2})*)\)\s*$/;
const TIMER_KINDS = ['timeDate', 'timeDuration', 'timeCycle'];

export function getProperty(element, name) {
  const ext = getBusinessObject(element).get('extensionElements');
  const props = ext && ext.get('values').find((v) => is(v, 'spiffworkflow:Properties'));
  const prop = props && props.get('properties').find((p) => p.name === name);
  return prop ? prop.value : '';
}

function setProperty(element, name, value, bpmnFactory, modeling) {
  const bo = getBusinessObject(element);
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let props = ext.get('values').find((v) => is(v, 'spiffworkflow:Properties'));
  if (!props) {
    props = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
    modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), props] });
  }
  const existing = props.get('properties').find((p) => p.name === name);
  if (!value) {
    if (existing) {
      modeling.updateModdleProperties(element, props, {
        properties: props.get('properties').filter((p) => p !== existing)
      });
    }
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    const prop = bpmnFactory.create('spiffworkflow:Property', { name, value });
    modeling.updateModdleProperties(element, props, {
      properties: [...props.get('properties'), prop]
    });
  }
}

function RoleEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config.safeguard') || {};
  const roles = config.roles || [];
  return html`<${SelectEntry} id=${id} element=${element} label="Role (the lane's name)"
    getValue=${() => getBusinessObject(element).name || ''}
    setValue=${(value) => modeling.updateProperties(element, { name: value })}
    getOptions=${() => [{ value: '', label: '(choose a role)' },
                        ...roles.map((r) => ({ value: r, label: r }))]} />`;
}

function FormEntry({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const config = useService('config.safeguard') || {};
  const forms = config.forms || [];
  const getOptions = () => {
    const current = getProperty(element, 'formKey');
    const known = forms.some((f) => f.key === current);
    return [{ value: '', label: '(choose a form)' },
            // a key with no form (an old diagram) stays visible, so Check's finding is clear
            ...(current && !known ? [{ value: current, label: `${current} (no such form)` }] : []),
            ...forms.map((f) => ({ value: f.key, label: f.title }))];
  };
  return html`<${SelectEntry} id=${id} element=${element} label="Form"
    description="What the person doing this task fills in"
    getValue=${() => getProperty(element, 'formKey')}
    setValue=${(value) => setProperty(element, 'formKey', value, bpmnFactory, modeling)}
    getOptions=${getOptions} />`;
}

function RulesEntry({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  return html`<${TextFieldEntry} id=${id} element=${element} label="Rule ids"
    description="Rule ids this element implements, like R5,R6"
    getValue=${() => getProperty(element, 'rules')}
    setValue=${(value) => setProperty(element, 'rules', (value || '').trim(), bpmnFactory,
                                      modeling)}
    debounce=${(fn) => fn}
    validate=${(value) => (!value || RULES.test(value.trim()) ? null
                                                                : 'Enter rule ids like R5,R6')} />`;
}

// --- deadlines ------------------------------------------------------------------------

export function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

export function timerExpression(element) {
  const definition = timerDefinition(element);
  for (const kind of TIMER_KINDS) {
    const value = definition && definition.get(kind);
    if (value) return { kind, body: (value.get('body') || '').trim() };
  }
  return { kind: 'timeDate', body: '' };
}

// The builder's own form of an expression (the server reads the same, engine/deadline_words).
function readExpression(body, config) {
  const match = /^sg_(hours|days|working_days)_after\(\s*([a-z_][a-z0-9_]*|sg_now\(\))\s*,\s*(\d+(?:\.\d+)?)\s*\)$/i
    .exec(body || '');
  if (!match) return null;
  const unit = (config.units || []).find((u) => u.helper === `sg_${match[1]}_after`);
  const anchor = (config.anchors || []).find((a) => a.source === match[2]);
  return unit && anchor ? { amount: match[3], unit: unit.key, anchor: anchor.source } : null;
}

async function askServer(config, query) {
  const response = await fetch(`${config.deadlineUrl}?${new URLSearchParams(query)}`, {
    credentials: 'same-origin', headers: { Accept: 'application/json' }
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok && body.understood) return { deadline: body };
  return { message: body.message || `The server answered ${response.status}` };
}

function useWords(config, body) {
  const [words, setWords] = useState(null);
  useEffect(() => {
    let live = true;
    if (!body) { setWords(null); return undefined; }
    askServer(config, { expression: body }).then((answer) => {
      if (live) setWords(answer.deadline ? answer.deadline.words : null);
    });
    return () => { live = false; };
  }, [body]);
  return words;
}

// The timer's words with the rule citation of what they replace: "(R22)" stays.
function withCitation(words, old) {
  const cited = CITATION.exec(old || '');
  return cited ? `${words} (${cited[1]})` : words;
}

function writeTimer(element, deadline, services) {
  const { modeling, bpmnFactory } = services;
  const definition = timerDefinition(element);
  const formal = bpmnFactory.create('bpmn:FormalExpression', { body: deadline.expression });
  modeling.updateModdleProperties(element, definition,
                                  { timeDate: formal, timeDuration: undefined, timeCycle: undefined });
  // The words people see follow the timer: its name, and the deadline of the task it bounds.
  modeling.updateProperties(element, { name: deadline.words });
  const host = element.host;
  if (host && getProperty(host, 'deadline')) {
    setProperty(host, 'deadline', withCitation(deadline.words, getProperty(host, 'deadline')),
                bpmnFactory, modeling);
  }
}

function DeadlineBuilder({ element }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const config = useService('config.safeguard') || {};
  const services = { modeling, bpmnFactory };
  const current = timerExpression(element);
  const parts = readExpression(current.body, config);
  const words = useWords(config, current.body);
  const [typed, setTyped] = useState('');
  const [message, setMessage] = useState(null);
  useEffect(() => setMessage(null), [element.id]);
  const id = (name) => `sg-deadline-${name}`;

  async function apply(query, understood) {
    const answer = await askServer(config, query);
    if (answer.deadline) {
      writeTimer(element, answer.deadline, services);
      setMessage({ ok: true, text: understood ? `Understood: ${answer.deadline.words}`
                                              : `The deadline is ${answer.deadline.words}` });
      if (understood) setTyped('');
    } else {
      setMessage({ ok: false, text: answer.message });
    }
  }

  // The three fields as they stand on the page, with the one just changed.
  function fromFields(change) {
    const field = (name) => document.getElementById(id(name));
    const next = { amount: field('amount').value, unit: field('unit').value,
                   anchor: field('anchor').value, ...change };
    if (!String(next.amount).trim()) {
      setMessage({ ok: false, text: 'Enter how many' });
      return;
    }
    if (!next.anchor) {
      // a timer the builder cannot read yet: nothing is written until all three are set
      setMessage({ ok: false, text: 'Choose the case time the deadline counts from' });
      return;
    }
    apply({ amount: next.amount, unit: next.unit, anchor: next.anchor }, false);
  }

  function understand(event) {
    event.preventDefault();
    apply({ text: typed, anchor: parts ? parts.anchor : '' }, true);
  }

  const unitOptions = (config.units || []).map((u) => html`
    <option value=${u.key} selected=${parts && parts.unit === u.key}>${u.label}</option>`);
  const anchorOptions = (config.anchors || []).map((a) => html`
    <option value=${a.source} selected=${parts && parts.anchor === a.source}>${a.label}</option>`);
  return html`
    <div class="bio-properties-panel-entry sg-deadline" data-entry-id="sg-deadline">
      <p class="sg-deadline__shown" id=${id('words')} aria-live="polite">
        ${words ? html`People see: <strong>${words}</strong>`
                : parts ? 'Reading the deadline…'
                        : !current.body ? 'This timer has no deadline yet: type one or build it.'
                        : html`The builder cannot read this timer's expression; it is kept as
                               it is (see Advanced). Set a deadline below to replace it.`}
      </p>
      <form class="sg-deadline__typed" onSubmit=${understand}>
        <label class="bio-properties-panel-label" for=${id('text')}>Type the deadline</label>
        <div class="sg-deadline__row">
          <input id=${id('text')} name=${id('text')} class="bio-properties-panel-input"
            type="text" spellcheck="false" autocomplete="off" value=${typed}
            placeholder="72 hours after found" aria-describedby=${id('message')}
            onInput=${(e) => setTyped(e.target.value)} />
          <button type="submit" class="sg-deadline__use">Use</button>
        </div>
      </form>
      <p id=${id('message')} role="status"
         class=${message && !message.ok ? 'bio-properties-panel-error' : 'sg-deadline__ok'}>
        ${message ? message.text : ''}</p>
      <fieldset class="sg-deadline__builder">
        <legend class="bio-properties-panel-label">Or build it</legend>
        <div class="sg-deadline__row">
          <label class="sg-visually-hidden" for=${id('amount')}>How many</label>
          <input key=${`${element.id} ${current.body}`} id=${id('amount')} name=${id('amount')}
            class="bio-properties-panel-input" type="text" inputmode="decimal" size="4"
            defaultValue=${parts ? parts.amount : ''}
            onChange=${(e) => fromFields({ amount: e.target.value })} />
          <label class="sg-visually-hidden" for=${id('unit')}>Hours, days or working days</label>
          <select id=${id('unit')} name=${id('unit')} class="bio-properties-panel-input"
            onChange=${(e) => fromFields({ unit: e.target.value })}>${unitOptions}</select>
        </div>
        <label class="bio-properties-panel-label" for=${id('anchor')}>after</label>
        <select id=${id('anchor')} name=${id('anchor')} class="bio-properties-panel-input"
          onChange=${(e) => fromFields({ anchor: e.target.value })}>
          ${parts ? null : html`<option value="" selected>(choose a case time)</option>`}
          ${anchorOptions}
        </select>
      </fieldset>
      <details class="sg-deadline__advanced">
        <summary>Advanced: the timer expression</summary>
        <p class="bio-properties-panel-description">For developers: what the engine
          evaluates (${current.kind}), like <code>sg_hours_after(found_at, 72)</code>.</p>
        <${RawExpression} element=${element} current=${current} services=${services} />
      </details>
    </div>`;
}

function RawExpression({ element, current, services }) {
  const [value, setValue] = useState(current.body);
  useEffect(() => setValue(current.body), [element.id, current.body]);
  function save() {
    if (value.trim() === current.body) return;
    const definition = timerDefinition(element);
    const formal = services.bpmnFactory.create('bpmn:FormalExpression', { body: value.trim() });
    services.modeling.updateModdleProperties(element, definition, { [current.kind]: formal });
  }
  return html`
    <label class="bio-properties-panel-label" for="sg-timer-expression">Expression</label>
    <textarea id="sg-timer-expression" name="sg-timer-expression" rows="3"
      class="bio-properties-panel-input" spellcheck="false" value=${value}
      onInput=${(e) => setValue(e.target.value)} onBlur=${save}></textarea>`;
}

// A user task's deadline is never typed: it is its timer's, shown here.
function TaskDeadline({ element }) {
  const config = useService('config.safeguard') || {};
  const selection = useService('selection');
  const timers = (element.attachers || []).filter((a) => timerDefinition(a));
  return html`
    <div class="bio-properties-panel-entry sg-task-deadline" data-entry-id="sg-task-deadline">
      <p class="bio-properties-panel-label">Deadline</p>
      ${timers.length ? timers.map((timer) => html`
        <${TimerWords} key=${timer.id} config=${config} timer=${timer}
          select=${() => selection.select(timer)} />`)
        : html`<p class="bio-properties-panel-description">No deadline. To give it one, put a
                 timer on its border and set the deadline there.</p>`}
    </div>`;
}

function TimerWords({ config, timer, select }) {
  const words = useWords(config, timerExpression(timer).body);
  return html`<p class="sg-task-deadline__words">
    ${words || getBusinessObject(timer).name || 'A timer'}
    <button type="button" class="sg-deadline__use" onClick=${select}>Change it on the timer</button>
  </p>`;
}

function group(entries) {
  return { id: 'safeguard', label: 'Safeguard Flow', entries, shouldOpen: true };
}

export default function SafeguardPropertiesProvider(propertiesPanel) {
  propertiesPanel.registerProvider(400, this);
}
SafeguardPropertiesProvider.prototype.getGroups = function(element) {
  return (groups) => {
    const rules = { id: 'sg-rules', element, component: RulesEntry,
                    isEdited: isTextFieldEntryEdited };
    if (is(element, 'bpmn:Lane')) {
      groups.unshift(group([
        { id: 'sg-role', element, component: RoleEntry, isEdited: isSelectEntryEdited }
      ]));
    } else if (is(element, 'bpmn:UserTask')) {
      groups.unshift(group([
        { id: 'sg-form-key', element, component: FormEntry, isEdited: isSelectEntryEdited },
        { id: 'sg-task-deadline', element, component: TaskDeadline },
        rules
      ]));
    } else if (is(element, 'bpmn:Event') && timerDefinition(element)) {
      groups.unshift(group([
        { id: 'sg-deadline', element, component: DeadlineBuilder }, rules
      ]));
    } else if (is(element, 'bpmn:FlowNode')) {
      groups.unshift(group([rules]));
    }
    return groups;
  };
};
SafeguardPropertiesProvider.$inject = ['propertiesPanel'];

export const SafeguardPropertiesModule = {
  __init__: ['safeguardPropertiesProvider'],
  safeguardPropertiesProvider: ['type', SafeguardPropertiesProvider]
};

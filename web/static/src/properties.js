// The "Safeguard Flow" group of the properties panel: what our engine reads from a
// diagram, set without touching XML. A lane's name is its role; a user task carries its
// form key, deadline and rule ids as spiffworkflow:property entries.
import htm from 'htm';
import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const html = htm.bind(h);
const RULES = /^R\d{1,2}(\s*,\s*R\d{1,2})*$/;

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

function options(values, empty) {
  return () => [{ value: '', label: empty }, ...values.map((v) => ({ value: v, label: v }))];
}

function RoleEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config.safeguard') || {};
  const roles = config.roles || [];
  return html`<${SelectEntry} id=${id} element=${element} label="Role (the lane's name)"
    getValue=${() => getBusinessObject(element).name || ''}
    setValue=${(value) => modeling.updateProperties(element, { name: value })}
    getOptions=${options(roles, '(choose a role)')} />`;
}

function PropertyEntry(name, label, kind) {
  return function Entry({ element, id }) {
    const modeling = useService('modeling');
    const bpmnFactory = useService('bpmnFactory');
    const config = useService('config.safeguard') || {};
    const common = {
      id, element, label,
      getValue: () => getProperty(element, name),
      setValue: (value) => setProperty(element, name, (value || '').trim(), bpmnFactory, modeling),
      debounce: (fn) => fn
    };
    if (kind === 'form') {
      return html`<${SelectEntry} ...${common}
        getOptions=${options(config.forms || [], '(choose a form)')} />`;
    }
    if (kind === 'rules') {
      return html`<${TextFieldEntry} ...${common}
        description="Rule ids this element implements, like R5,R6"
        validate=${(value) => (!value || RULES.test(value.trim())
          ? null : 'Enter rule ids like R5,R6')} />`;
    }
    return html`<${TextFieldEntry} ...${common}
      description="Shown to people, like: 72 hours after the child was found (R22)" />`;
  };
}

const FormKeyEntry = PropertyEntry('formKey', 'Form', 'form');
const DeadlineEntry = PropertyEntry('deadline', 'Deadline', 'text');
const RulesEntry = PropertyEntry('rules', 'Rule ids', 'rules');

function group(entries) {
  return { id: 'safeguard', label: 'Safeguard Flow', entries, shouldOpen: true };
}

export default function SafeguardPropertiesProvider(propertiesPanel) {
  propertiesPanel.registerProvider(400, this);
}
SafeguardPropertiesProvider.prototype.getGroups = function(element) {
  return (groups) => {
    if (is(element, 'bpmn:Lane')) {
      groups.unshift(group([
        { id: 'sg-role', element, component: RoleEntry, isEdited: isSelectEntryEdited }
      ]));
    } else if (is(element, 'bpmn:UserTask')) {
      groups.unshift(group([
        { id: 'sg-form-key', element, component: FormKeyEntry, isEdited: isSelectEntryEdited },
        { id: 'sg-deadline', element, component: DeadlineEntry, isEdited: isTextFieldEntryEdited },
        { id: 'sg-rules', element, component: RulesEntry, isEdited: isTextFieldEntryEdited }
      ]));
    } else if (is(element, 'bpmn:FlowNode')) {
      groups.unshift(group([
        { id: 'sg-rules', element, component: RulesEntry, isEdited: isTextFieldEntryEdited }
      ]));
    }
    return groups;
  };
};
SafeguardPropertiesProvider.$inject = ['propertiesPanel'];

export const SafeguardPropertiesModule = {
  __init__: ['safeguardPropertiesProvider'],
  safeguardPropertiesProvider: ['type', SafeguardPropertiesProvider]
};

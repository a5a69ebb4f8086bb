// The modeller's only lint rule: report the server's Check findings on their elements, so
// the linter and Check are one set of rules, reported once (issue 12). bpmnlint visits
// every node; a finding whose element is no longer on the canvas is never visited, so it
// goes; findings without an element go on the diagram itself.
import { getFindings } from '../findings.js';

export default function checkRule() {
  function check(node, reporter) {
    for (const problem of getFindings()) {
      const here = problem.element ? problem.element === node.id
                                   : node.$type === 'bpmn:Definitions';
      if (here) reporter.report(node.id, describe(problem));
    }
  }
  return { check };
}

function describe(problem) {
  return problem.line ? `${problem.message} (line ${problem.line})` : problem.message;
}

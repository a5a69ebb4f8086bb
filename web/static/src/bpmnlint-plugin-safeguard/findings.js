// The server's Check findings for the diagram on the canvas, kept here for the
// `safeguard/check` rule: bpmnlint rules run synchronously, Check runs on the server.
let current = [];

export function setFindings(problems) {
  current = Array.isArray(problems) ? problems : [];
}

export function getFindings() {
  return current;
}

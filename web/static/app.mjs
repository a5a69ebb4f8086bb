// Starts GOV.UK Frontend's components (error summary focus, character counts, ...).
import { initAll } from "/vendor/govuk-frontend/dist/govuk/govuk-frontend.min.js";

initAll();

// GOV.UK Frontend's conditional reveal sets aria-expanded on radio buttons, which ARIA does
// not allow on a radio (axe: aria-allowed-attr, critical). The revealed questions follow
// their answer in reading order, so the attribute adds nothing: take it off each time.
function dropRadioExpanded(root) {
  for (const radio of root.querySelectorAll('input[type="radio"][aria-expanded]')) {
    radio.removeAttribute("aria-expanded");
  }
}
dropRadioExpanded(document);
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.matches?.('input[type="radio"]')) dropRadioExpanded(change.target.parentNode);
  }
}).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["aria-expanded"] });

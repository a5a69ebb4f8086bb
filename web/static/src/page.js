// What the modeller pages share: talking to the server and listing Check's problems.
// No inline scripts (CSP): every URL and value comes from data- attributes.

export function readData(root, name, fallback) {
  const raw = root.dataset[name];
  if (raw === undefined) return fallback;
  try { return JSON.parse(raw); } catch (e) { return raw; }
}

export async function postXml(url, xml, csrfToken) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': csrfToken,
               'Accept': 'application/json' },
    body: xml,
    credentials: 'same-origin'
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok && !body.problems) {
    throw new Error(body.message || `the server answered ${response.status}`);
  }
  return body;
}

export function say(text) {
  const status = document.getElementById('modeller-status');
  if (status) status.textContent = text;
}

// One list item per problem; clicking it calls select(elementId).
export function listProblems(container, problems, select, empty) {
  if (!container) return;
  container.replaceChildren();
  if (!problems.length) {
    const item = document.createElement('li');
    item.textContent = empty;
    container.append(item);
    return;
  }
  for (const problem of problems) {
    const item = document.createElement('li');
    // the element's name where it has one, so a process owner recognises it
    const where = problem.element
      ? (problem.name ? `${problem.name} (${problem.element})` : problem.element)
      : problem.file || '';
    const text = `${where}${problem.line ? ` (line ${problem.line})` : ''}: ${problem.message}`;
    if (problem.element) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sg-link-button';
      button.dataset.element = problem.element;
      button.textContent = text;
      button.addEventListener('click', () => select(problem.element));
      item.append(button);
    } else {
      item.textContent = text;
    }
    container.append(item);
  }
}

// Publish publishes the saved draft: the form saves what is on the canvas first.
export function publishAfterSaving(save) {
  const form = document.getElementById('publish-form');
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await save();
      form.submit();
    } catch (error) {
      say(`The draft was not saved, so nothing was published: ${error.message}`);
    }
  });
}

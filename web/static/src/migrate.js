// The migrate page: move the cases one request (one transaction) each, with a running
// count. Without JavaScript the form posts and the server moves them all.
const form = document.getElementById('migrate-form');
if (form) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const cases = JSON.parse(form.dataset.cases);
    const progress = document.getElementById('migrate-progress');
    document.getElementById('migrate-button').disabled = true;
    let moved = 0;
    let done = 0;
    for (const id of cases) {
      const url = form.dataset.caseUrl.replace(/\/0$/, `/${id}`);
      const response = await fetch(url, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'X-CSRFToken': form.dataset.csrfToken, 'Accept': 'application/json' }
      });
      const body = await response.json().catch(() => ({}));
      const cell = document.getElementById(`case-${id}-result`);
      if (body.moved) moved += 1;
      if (cell) cell.textContent = body.moved ? 'Moved' : `Not moved: ${body.message || response.status}`;
      done += 1;
      progress.textContent = `Moved ${moved} of ${cases.length} cases (${done} done).`;
    }
    progress.textContent = `Finished: moved ${moved} of ${cases.length} cases.`;
  });
}

// hookrelay console: a page over the API of SPEC §3. Plain JavaScript, no
// build step. Every API call carries the key the user signed in with; the
// key lives in this tab's sessionStorage only.
'use strict';

(() => {
  // The API is served beside the console: strip /console/… from the path,
  // keeping any stage prefix in front of it.
  const base = location.pathname.replace(/\/console(\/.*)?$/, '');
  const main = document.getElementById('main');
  const statusEl = document.getElementById('status');
  let session = loadSession();
  let view = 0; // bumped on every navigation; stale timers and answers check it
  let shownSecret = null; // {id, secret, note}: shown once, on the next render of that webhook
  let statusView = 0; // the view a status message belongs to: it lasts one navigation
  let refocus = null; // data-key of the control to focus after the next render, if it is there

  // ---- helpers ---------------------------------------------------------

  // h builds an element: h('button', {class: 'x', onclick: f}, 'text', child…).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem('hookrelay') || 'null');
      return s && s.key && s.tenant ? s : null;
    } catch { return null; }
  }

  function say(message, isError) {
    statusView = view;
    statusEl.hidden = false;
    statusEl.className = 'status' + (isError ? ' error' : '');
    statusEl.replaceChildren(...[].concat(message));
  }
  function clearStatus() { statusEl.hidden = true; statusEl.replaceChildren(); }

  // describe turns an API error into one line: message, code and field.
  function describe(err) {
    if (!err || !err.code) return String(err && err.message || err);
    return `${err.message} (${err.code}${err.field ? ', field: ' + err.field : ''}, HTTP ${err.status})`;
  }
  function fail(err) { say(describe(err), true); }

  async function api(method, path, body) {
    const opts = { method, headers: { Authorization: 'Bearer ' + session.key, Accept: 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(base + path, opts);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!res.ok) {
      const e = (data && data.error) || { code: 'http_' + res.status, message: text.slice(0, 200) || res.statusText };
      const err = new Error(e.message);
      Object.assign(err, { code: e.code, field: e.field, status: res.status });
      if (res.status === 401 && sessionStorage.getItem('hookrelay')) {
        signOut();
        say('The key was not accepted: sign in again. ' + describe(err), true);
      }
      throw err;
    }
    return data;
  }
  const tpath = (...parts) => '/v1/tenants/' + encodeURIComponent(session.tenant) + parts.map((p) => '/' + encodeURIComponent(p)).join('');

  const when = (s) => (s ? new Date(s).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '–');
  const badge = (word) => h('span', { class: 'badge ' + word.split(' ')[0] }, word);
  const stateOf = (wh) => (wh.enabled ? 'enabled' : 'disabled' + (wh.disabled_reason ? ' (' + wh.disabled_reason + ')' : ''));
  const nameOf = (wh) => wh.description || wh.url;
  const excerpt = (s, n) => { s = (s || '').replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  const pretty = (v) => { try { return JSON.stringify(typeof v === 'string' ? JSON.parse(v) : v, null, 2); } catch { return String(v); } };
  const lastAttempt = (d) => (d.attempts && d.attempts.length ? d.attempts[d.attempts.length - 1] : null);

  function go(hash) {
    if (location.hash === hash) render(); else location.hash = hash;
  }

  // show replaces the page's content and moves focus to its heading, so a
  // keyboard or screen reader user starts at the top of the new view.
  function show(...nodes) {
    main.replaceChildren(...nodes.filter(Boolean));
    const again = refocus && main.querySelector(`[data-key="${CSS.escape(refocus)}"]`);
    refocus = null;
    const heading = main.querySelector('h1');
    if (again) again.focus();
    else if (heading) { heading.tabIndex = -1; heading.focus(); }
  }

  // busy disables a button while its action runs.
  async function busy(button, action) {
    button.disabled = true;
    try { await action(); } catch (err) { fail(err); } finally { button.disabled = false; }
  }

  // ---- sign in ---------------------------------------------------------

  function signOut() {
    sessionStorage.removeItem('hookrelay');
    session = null;
    document.getElementById('nav').hidden = true;
    go('#/');
  }

  function signInView() {
    document.getElementById('nav').hidden = true;
    const node = document.getElementById('t-signin').content.cloneNode(true);
    const form = node.querySelector('form');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const candidate = { tenant: form.tenant.value.trim(), key: form.key.value.trim() };
      const button = form.querySelector('button');
      button.disabled = true;
      session = candidate;
      try {
        await api('GET', tpath('webhooks') + '?limit=1');
        sessionStorage.setItem('hookrelay', JSON.stringify(candidate));
        clearStatus();
        go('#/webhooks');
      } catch (err) {
        session = null;
        say(err.status === 404 ? `This key cannot reach tenant "${candidate.tenant}", or there is no such tenant.` : 'Sign-in failed: ' + describe(err), true);
        button.disabled = false;
        form.key.focus();
      }
    });
    show(node);
    form.tenant.focus();
  }

  // ---- webhooks list ---------------------------------------------------

  async function webhooksView(token) {
    const page = await api('GET', tpath('webhooks') + '?limit=50');
    if (token !== view) return;
    const tbody = h('tbody');
    const table = h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Endpoint'), h('th', { scope: 'col' }, 'Event types'),
        h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Actions'))), tbody);
    const addRows = (hooks) => { for (const wh of hooks) tbody.append(webhookRow(wh)); };
    addRows(page.data);
    let next = page.next_cursor;
    const more = h('button', { type: 'button', hidden: !next, onclick: (ev) => busy(ev.currentTarget, async () => {
      const p = await api('GET', tpath('webhooks') + '?limit=50&cursor=' + encodeURIComponent(next));
      addRows(p.data); next = p.next_cursor; more.hidden = !next;
    }) }, 'Load more');
    show(
      h('div', { class: 'toolbar' }, h('h1', {}, 'Webhooks'),
        h('button', { type: 'button', class: 'primary', onclick: () => go('#/webhooks/new') }, 'New webhook')),
      page.data.length ? table : h('p', { class: 'card empty' }, 'No webhooks yet. Create one to start receiving events.'),
      more);
  }

  function webhookRow(wh) {
    const name = nameOf(wh);
    return h('tr', { 'data-webhook': wh.id },
      h('td', {}, h('a', { href: '#/webhooks/' + encodeURIComponent(wh.id) }, wh.description || wh.id),
        h('div', { class: 'url muted mono' }, wh.url)),
      h('td', { class: 'mono' }, wh.event_types.join(', ')),
      h('td', {}, badge(stateOf(wh))),
      h('td', { class: 'actions' }, webhookActions(wh, name, () => render())));
  }

  // webhookActions are the buttons of one webhook: test, edit,
  // enable/disable, rotate secret. after runs once an action changed it.
  function webhookActions(wh, name, after) {
    return [
      h('button', { type: 'button', 'aria-label': 'Send test to ' + name, onclick: (ev) => busy(ev.currentTarget, async () => {
        const r = await api('POST', tpath('webhooks', wh.id, 'test'), {});
        say(['Test sent: delivery ', h('code', {}, r.delivery_id), '. ',
          h('a', { href: '#/webhooks/' + encodeURIComponent(wh.id) }, 'See the request log')]);
        after('test');
      }) }, 'Send test'),
      h('button', { type: 'button', 'aria-label': 'Edit ' + name, onclick: () => go('#/webhooks/' + encodeURIComponent(wh.id) + '/edit') }, 'Edit'),
      h('button', { type: 'button', 'aria-label': (wh.enabled ? 'Disable ' : 'Enable ') + name, 'data-key': 'state-' + wh.id, onclick: (ev) => busy(ev.currentTarget, async () => {
        try {
          await api('PATCH', tpath('webhooks', wh.id), { enabled: !wh.enabled, version: wh.version });
          say((wh.enabled ? 'Disabled ' : 'Enabled ') + name + '.');
        } catch (err) {
          if (err.status !== 409) throw err;
          say('The webhook was changed elsewhere; here is its current state. ' + describe(err), true);
        }
        refocus = 'state-' + wh.id; // the same button, now saying the opposite
        after('state');
      }) }, wh.enabled ? 'Disable' : 'Enable'),
      h('button', { type: 'button', 'aria-label': 'Rotate secret of ' + name, onclick: (ev) => busy(ev.currentTarget, async () => {
        if (!confirm(`Rotate the signing secret of ${name}? The old secret keeps signing for 24 hours.`)) return;
        const r = await api('POST', tpath('webhooks', wh.id, 'secret', 'rotate'));
        shownSecret = { id: wh.id, secret: r.secret, note: 'New signing secret, shown only once. The old one signs until ' + when(r.previous_secret_expires_at) + '.' };
        go('#/webhooks/' + encodeURIComponent(wh.id));
      }) }, 'Rotate secret'),
    ];
  }

  // ---- create and edit -------------------------------------------------

  function webhookForm(wh) {
    const node = document.getElementById('t-webhook-form').content.cloneNode(true);
    const form = node.querySelector('form');
    const title = form.querySelector('.form-title');
    const heading = h('h1', {}, wh ? 'Edit webhook' : 'New webhook');
    title.replaceWith(heading);
    if (wh) {
      form.url.value = wh.url;
      form.event_types.value = wh.event_types.join(', ');
      form.description.value = wh.description;
      form.headers.value = Object.entries(wh.headers || {}).map(([k, v]) => k + ': ' + v).join('\n');
      form.timeout_ms.value = wh.timeout_ms;
      form.retry.checked = wh.retry;
      form.enabled.checked = wh.enabled;
      form.querySelector('button[type=submit]').textContent = 'Save changes';
    }
    form.querySelector('.cancel').addEventListener('click', () => history.back());
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const headers = {};
      for (const line of form.headers.value.split('\n')) {
        if (!line.trim()) continue;
        const i = line.indexOf(':');
        if (i < 1) { say(`Header line "${line}" is not "Name: value".`, true); form.headers.focus(); return; }
        headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      const body = {
        url: form.url.value.trim(),
        event_types: form.event_types.value.split(',').map((s) => s.trim()).filter(Boolean),
        description: form.description.value,
        headers,
        timeout_ms: Number(form.timeout_ms.value),
        retry: form.retry.checked,
        enabled: form.enabled.checked,
      };
      if (wh && body.url === wh.url) delete body.url; // the answer's URL may have its password redacted
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        if (wh) {
          await api('PATCH', tpath('webhooks', wh.id), { ...body, version: wh.version });
          say('Saved.');
          go('#/webhooks/' + encodeURIComponent(wh.id));
        } else {
          const created = await api('POST', tpath('webhooks'), body);
          shownSecret = { id: created.id, secret: created.secret, note: 'Signing secret, shown only once: keep it where your receiver can read it.' };
          say('Webhook created.');
          go('#/webhooks/' + encodeURIComponent(created.id));
        }
      } catch (err) {
        fail(err);
        const field = { url: 'url', event_types: 'event_types', description: 'description', headers: 'headers', timeout_ms: 'timeout_ms' }[(err.field || '').split(/[.[]/)[0]];
        if (field) form[field].focus();
      } finally {
        button.disabled = false;
      }
    });
    show(node);
  }

  async function editView(id, token) {
    const wh = await api('GET', tpath('webhooks', id));
    if (token === view) webhookForm(wh);
  }

  // ---- one webhook and its request log ---------------------------------

  async function webhookView(id, token) {
    const wh = await api('GET', tpath('webhooks', id));
    if (token !== view) return;
    const name = nameOf(wh);
    const log = requestLog(wh, token);
    const secret = shownSecret && shownSecret.id === wh.id ? shownSecret : null;
    shownSecret = null;
    const props = h('dl', { class: 'props' },
      ...[['Id', wh.id], ['URL', wh.url], ['Event types', wh.event_types.join(', ')], ['State', badge(stateOf(wh))],
        ['Retry', wh.retry ? 'yes' : 'no (one attempt)'], ['Timeout', wh.timeout_ms + ' ms'],
        ['Headers', Object.keys(wh.headers || {}).length ? Object.entries(wh.headers).map(([k, v]) => k + ': ' + v).join('; ') : '–'],
        ['Version', wh.version], ['Created', when(wh.created_at)], ['Updated', when(wh.updated_at)]]
        .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    show(
      h('p', {}, h('a', { href: '#/webhooks' }, '← All webhooks')),
      h('div', { class: 'toolbar' }, h('h1', {}, name),
        webhookActions(wh, name, (what) => (what === 'test' ? log.refresh(true) : render())),
        h('button', { type: 'button', class: 'danger', 'aria-label': 'Delete ' + name, onclick: (ev) => busy(ev.currentTarget, async () => {
          if (!confirm(`Delete the webhook ${name}? Its deliveries stop at once.`)) return;
          await api('DELETE', tpath('webhooks', wh.id));
          say('Deleted ' + name + '.');
          go('#/webhooks');
        }) }, 'Delete')),
      secret && h('div', { class: 'secret', role: 'alert' }, h('span', {}, secret.note), h('code', { id: 'secret-value' }, secret.secret),
        h('button', { type: 'button', onclick: (ev) => copy(secret.secret, ev.currentTarget) }, 'Copy secret')),
      h('section', { class: 'card', 'aria-label': 'Settings' }, props),
      log.node);
    log.refresh(false);
  }

  async function copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('secret-value'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      say('Copying is not allowed here: the secret is selected, press Ctrl+C.');
    }
  }

  // requestLog is the webhook's deliveries with their attempts: a table that
  // refreshes itself while a delivery is pending or just after an action.
  function requestLog(wh, token) {
    const open = new Set(); // delivery ids whose details are shown
    const payloads = new Map(); // event id → the delivered body
    let pollUntil = 0;
    let timer = null;
    const filter = h('select', { id: 'log-status', onchange: () => refresh(false) },
      h('option', { value: '' }, 'All'), h('option', { value: 'pending' }, 'Pending'),
      h('option', { value: 'succeeded' }, 'Succeeded'), h('option', { value: 'failed' }, 'Failed'));
    const body = h('div', { id: 'request-log' }, h('p', { class: 'empty' }, 'Loading…'));
    const node = h('section', { class: 'card', 'aria-labelledby': 'log-title' },
      h('div', { class: 'toolbar' }, h('h2', { id: 'log-title' }, 'Request log'),
        h('label', { for: 'log-status' }, 'Status'), filter,
        h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, () => refresh(false)) }, 'Refresh')),
      body);

    async function refresh(startPolling) {
      if (startPolling) pollUntil = Date.now() + 20000;
      clearTimeout(timer);
      const q = '?limit=50' + (filter.value ? '&status=' + filter.value : '');
      const page = await api('GET', tpath('webhooks', wh.id, 'deliveries') + q);
      if (token !== view) return;
      for (const id of open) await loadPayload(page.data.find((d) => d.id === id));
      draw(page.data);
      const pending = page.data.some((d) => d.status === 'pending');
      if ((pending || Date.now() < pollUntil) && token === view) {
        timer = setTimeout(() => refresh(false).catch(fail), 1500);
      }
    }

    async function loadPayload(d) {
      if (!d || payloads.has(d.event_id)) return;
      try {
        const e = await api('GET', tpath('events', d.event_id));
        payloads.set(d.event_id, { id: e.id, type: e.type, timestamp: e.timestamp, data: e.data });
      } catch (err) {
        payloads.set(d.event_id, 'The event could not be read: ' + describe(err));
      }
    }

    function draw(deliveries) {
      // Keep keyboard focus on the same control across a redraw.
      const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.dataset.key : null;
      if (!deliveries.length) {
        body.replaceChildren(h('p', { class: 'empty' }, filter.value ? 'No ' + filter.value + ' deliveries.' : 'No deliveries yet. Send a test, or publish an event this webhook subscribes to.'));
        return;
      }
      const tbody = h('tbody');
      for (const d of deliveries) {
        const last = lastAttempt(d);
        const isOpen = open.has(d.id);
        tbody.append(h('tr', { 'data-delivery': d.id },
          h('td', {}, badge(d.status)),
          h('td', {}, h('a', { href: '#/events/' + encodeURIComponent(d.event_id), class: 'mono' }, d.event_type)),
          h('td', {}, String(d.attempts.length)),
          h('td', {}, last && last.status_code ? String(last.status_code) : '–', last && last.error ? h('div', { class: 'error-text' }, last.error) : null),
          h('td', { class: 'mono' }, last ? excerpt(last.response_body, 60) || '–' : '–'),
          h('td', {}, when(d.created_at)),
          h('td', { class: 'actions' },
            h('button', { type: 'button', 'aria-expanded': String(isOpen), 'aria-controls': 'detail-' + d.id, 'data-key': 'details-' + d.id,
              'aria-label': 'Details of delivery ' + d.id,
              onclick: (ev) => busy(ev.currentTarget, async () => {
                if (open.has(d.id)) open.delete(d.id); else { open.add(d.id); await loadPayload(d); }
                draw(deliveries);
              }) }, isOpen ? 'Hide details' : 'Details'),
            h('button', { type: 'button', 'data-key': 'retry-' + d.id, 'aria-label': 'Retry delivery ' + d.id,
              onclick: (ev) => busy(ev.currentTarget, async () => {
                await api('POST', tpath('deliveries', d.id, 'retry'));
                say(['Retry of ', h('code', {}, d.id), ' accepted: attempt ' + (d.attempts.length + 1) + ' is on its way.']);
                await refresh(true);
              }) }, 'Retry'))));
        if (isOpen) tbody.append(h('tr', { class: 'detail', id: 'detail-' + d.id }, h('td', { colspan: 7 }, deliveryDetail(d, payloads.get(d.event_id)))));
      }
      body.replaceChildren(h('table', {},
        h('thead', {}, h('tr', {}, ...['Status', 'Event', 'Attempts', 'Last code', 'Response', 'Created', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
        tbody));
      if (focused) {
        const again = body.querySelector(`[data-key="${CSS.escape(focused)}"]`);
        if (again) again.focus();
      }
    }

    return { node, refresh: (p) => refresh(p).catch(fail) };
  }

  function deliveryDetail(d, payload) {
    return h('div', {},
      h('dl', { class: 'props' }, h('dt', {}, 'Delivery id (webhook-id)'), h('dd', { class: 'mono' }, d.id),
        h('dt', {}, 'Event'), h('dd', {}, h('a', { href: '#/events/' + encodeURIComponent(d.event_id) }, d.event_id)),
        h('dt', {}, 'Next attempt'), h('dd', {}, when(d.next_attempt_at))),
      h('h3', {}, 'Attempts'),
      d.attempts.length ? h('table', {},
        h('thead', {}, h('tr', {}, ...['#', 'Started', 'Took', 'Code', 'Error', 'Response (first 1000 characters)'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, d.attempts.map((a) => h('tr', {},
          h('td', {}, String(a.attempt)), h('td', {}, when(a.started_at)), h('td', {}, a.duration_ms + ' ms'),
          h('td', {}, a.status_code ? String(a.status_code) : '–'), h('td', { class: 'error-text' }, a.error || ''),
          h('td', {}, a.response_body ? h('pre', {}, a.response_body) : '–'))))) : h('p', { class: 'muted' }, 'No attempt yet.'),
      h('h3', {}, 'Payload'),
      h('pre', { class: 'payload' }, payload === undefined ? 'Loading…' : pretty(payload)));
  }

  // ---- event detail ----------------------------------------------------

  async function eventView(id, token) {
    const e = await api('GET', tpath('events', id));
    if (token !== view) return;
    const rows = (e.deliveries || []).map((d) => {
      const last = lastAttempt(d);
      return h('tr', { 'data-delivery': d.id },
        h('td', {}, h('a', { href: '#/webhooks/' + encodeURIComponent(d.webhook_id), class: 'mono' }, d.webhook_id)),
        h('td', {}, badge(d.status)), h('td', {}, String(d.attempts.length)),
        h('td', {}, last && last.status_code ? String(last.status_code) : '–', last && last.error ? ' ' + last.error : ''),
        h('td', { class: 'mono' }, d.id),
        h('td', { class: 'actions' }, h('button', { type: 'button', 'aria-label': 'Retry delivery ' + d.id, onclick: (ev) => busy(ev.currentTarget, async () => {
          await api('POST', tpath('deliveries', d.id, 'retry'));
          say(['Retry of ', h('code', {}, d.id), ' accepted.']);
          setTimeout(() => { if (token === view) render(); }, 1500);
        }) }, 'Retry')));
    });
    show(
      h('p', {}, h('a', { href: '#/webhooks' }, '← All webhooks')),
      h('h1', {}, 'Event ', h('span', { class: 'mono' }, e.id)),
      h('section', { class: 'card' }, h('dl', { class: 'props' },
        h('dt', {}, 'Type'), h('dd', { class: 'mono' }, e.type), h('dt', {}, 'Timestamp'), h('dd', {}, when(e.timestamp))),
      h('h2', {}, 'Data'), h('pre', {}, pretty(e.data))),
      h('section', { class: 'card', 'aria-labelledby': 'ev-deliveries' }, h('h2', { id: 'ev-deliveries' }, 'Deliveries'),
        rows.length ? h('table', {}, h('thead', {}, h('tr', {}, ...['Webhook', 'Status', 'Attempts', 'Last code', 'Delivery id', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows))
          : h('p', { class: 'empty' }, 'No webhook subscribes to this event.')));
  }

  // ---- routing ---------------------------------------------------------

  async function render() {
    const token = ++view;
    if (statusView < token - 1) clearStatus();
    if (!session) { signInView(); return; }
    document.getElementById('nav').hidden = false;
    document.getElementById('who').textContent = 'tenant ' + session.tenant;
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    try {
      if (parts[0] === 'webhooks' && parts[1] === 'new') webhookForm(null);
      else if (parts[0] === 'webhooks' && parts[1] && parts[2] === 'edit') await editView(parts[1], token);
      else if (parts[0] === 'webhooks' && parts[1]) await webhookView(parts[1], token);
      else if (parts[0] === 'events' && parts[1]) await eventView(parts[1], token);
      else await webhooksView(token);
    } catch (err) {
      if (token !== view || !session) return;
      show(h('h1', {}, err.status === 404 ? 'Not found' : 'Something went wrong'), h('p', { class: 'error-text' }, describe(err)),
        h('p', {}, h('a', { href: '#/webhooks' }, 'Back to the webhooks')));
    }
  }

  document.getElementById('sign-out').addEventListener('click', () => { clearStatus(); signOut(); });
  document.getElementById('event-jump').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('event-jump-id');
    if (input.value.trim()) go('#/events/' + encodeURIComponent(input.value.trim()));
  });
  window.addEventListener('hashchange', render);
  render();
})();

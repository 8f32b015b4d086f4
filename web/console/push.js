// The pushes to other servers, under the Listeners view for admins: each
// push's state, since when, bytes sent, and what the remote answered when
// it refused. Polled while shown; the strings (URLs, remote answers) go in
// as text.
import { $, api, isAdmin, onView, el, clock, bytes } from "./core.js";

const POLL_MS = 5000;

const shown = () => !$("listeners").hidden && isAdmin();

onView("listeners", () => { if (isAdmin()) refresh(); });
setInterval(() => { if (shown() && !document.hidden) refresh(); }, POLL_MS);

async function refresh() {
  let list;
  try {
    list = await api("GET", "/api/push");
  } catch (err) {
    $("push-status").textContent = `Could not load the pushes: ${err.message}`;
    return;
  }
  $("push-status").textContent = "";
  $("push-empty").hidden = list.length > 0;
  $("push-table").hidden = list.length === 0;
  $("push-rows").replaceChildren(...list.map(row));
}

function row(p) {
  const tr = el("tr", null, { class: `push-${p.state}` });
  // data-label heads each cell where the table is laid out as cards.
  tr.append(
    el("td", p.mount, { "data-label": "Mount" }),
    el("td", p.target, { class: "push-target", "data-label": "To" }),
    el("td", p.state, { class: "push-state", "data-label": "State" }),
    el("td", `${clock(Date.now() - Date.parse(p.since))} ago`, { title: p.since, "data-label": "Since" }),
    el("td", bytes(p.bytes_out), { class: "lst-num push-bytes", "data-label": "Bytes sent" }),
    el("td", p.remote || p.last_error || "", { class: "push-answer", "data-label": "Remote’s answer" }),
  );
  return tr;
}

// The conversation (runs after open.js): after an answer arrives, scroll its panel
// so the new turn (or the error) starts at the top, to be read from its question on.
const scroller = () => {
  for (let node = element; node && node !== document.body; node = node.parentElement) {
    const style = getComputedStyle(node);
    if ((style.overflowY === 'auto' || style.overflowY === 'scroll') && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
};
watch('value', () => requestAnimationFrame(() => {
  const turns = element.querySelectorAll('.pq-turn');
  const target = element.querySelector('.pq-error') || turns[turns.length - 1];
  const box = scroller();
  if (!target) return;
  if (box) box.scrollTop += target.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  // The page itself may have been scrolled down to the question box.
  const top = target.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 80) window.scrollBy(0, top - 8);
}));

// How long the user waited for each answer, from the click (or Enter) to the
// answer on screen: the server's own time leaves out the queue, the network and
// the page update. Turns are numbered from the first of this page, as the
// conversation keeps only its last turns.
const waited = [];
let asked = null;
const startWait = () => { asked = { at: performance.now() }; };
document.addEventListener('click', (event) => { if (event.target.closest('#pq-ask')) startWait(); }, true);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && event.target.closest('#pq-question')) startWait();
}, true);
let answered = 0;
// Whole milliseconds to seconds with two decimals, rounding half up on the integer (toFixed on
// a binary float rounds 0.125 and 0.115 by their binary expansion, not as a reader would).
const seconds = (ms) => { const hundredths = Math.round(ms / 10); return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`; };
watch('value', () => requestAnimationFrame(() => {
  const turns = element.querySelectorAll('.pq-turn');
  if (asked && !element.querySelector(".pq-error") && turns.length > 0) {
    answered += 1;
    waited[answered - 1] = performance.now() - asked.at;
  }
  asked = null;
  turns.forEach((turn, i) => {
    const ms = waited[answered - turns.length + i];
    const timing = turn.querySelector('.pq-timing');
    if (ms === undefined || !timing) return;
    const server = Number(timing.dataset.serverMs || 0);
    // One rounded figure for both, so the text and the attribute never disagree by a rounding step.
    const waitedMs = Math.round(ms);
    timing.dataset.waitedMs = String(waitedMs);
    timing.textContent = `用时 ${seconds(waitedMs)} 秒（其中检索与作答 ${seconds(server)} 秒）`;
  });
}));

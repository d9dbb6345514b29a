// A document panel: scroll the highlighted quote into view whenever it changes.
const scrollToHit = () => {
  const box = element.querySelector('.pq-doc-body');
  const hit = element.querySelector('.pq-hit');
  if (!box || !hit) return;
  box.scrollTop = Math.max(0, hit.offsetTop - box.clientHeight / 3);
};
// After a click (open.js), the panel comes into view if it is not: the sticky panel
// beside a long list already is; on a narrow screen, where it sits below the list,
// the page scrolls to it. Other updates (a new answer) leave the page where it is.
const followClick = () => {
  if (!window.pqOpenedAt || Date.now() - window.pqOpenedAt > 15000) return;
  const box = element.getBoundingClientRect();
  if (box.width === 0) return;  // a panel of another tab
  window.pqOpenedAt = 0;
  if (box.top < 0 || box.top > window.innerHeight - 120) element.scrollIntoView({ block: 'start' });
};
watch('value', () => requestAnimationFrame(() => { scrollToHit(); followClick(); }));
requestAnimationFrame(scrollToHit);

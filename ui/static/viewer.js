// A document panel: scroll the highlighted quote into view whenever it changes.
const scrollToHit = () => {
  const box = element.querySelector('.pq-doc-body');
  const hit = element.querySelector('.pq-hit');
  if (!box || !hit) return;
  box.scrollTop = Math.max(0, hit.offsetTop - box.clientHeight / 3);
};
watch('value', () => requestAnimationFrame(scrollToHit));
requestAnimationFrame(scrollToHit);

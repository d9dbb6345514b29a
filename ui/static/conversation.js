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

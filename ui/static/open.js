// Opens a clicked citation, card, outline node or table row in a document panel,
// and copies an answer. Gradio's gr.HTML runs `js_on_load` once per component with
// `element`, `trigger` and `watch`; content is replaced via innerHTML, so listeners
// are delegated from the component's root element.
const openTarget = (target) => {
  element.querySelectorAll('.pq-active').forEach((node) => node.classList.remove('pq-active'));
  target.classList.add('pq-active');
  window.pqOpenedAt = Date.now();  // the panel that shows it brings itself into view (viewer.js)
  trigger('click', {
    doc_id: target.dataset.doc || '',
    start: Number(target.dataset.start),
    end: Number(target.dataset.end),
    chunk_id: target.dataset.chunk || '',
  });
};
// A turn's button copies that answer; data-pq-copy="all" the whole conversation.
const copyAnswer = (button) => {
  const holder = button.dataset.pqCopy === 'all' ? button.parentElement : button.closest('.pq-turn');
  const source = holder?.querySelector('.pq-copy-text');
  const text = source ? source.value : '';
  button.dataset.label = button.dataset.label || button.textContent;
  const done = () => {
    button.dataset.copied = '1';
    button.textContent = '已复制';
    setTimeout(() => { button.textContent = button.dataset.label; }, 2000);
  };
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { document.execCommand('copy'); } catch (e) { /* nothing more to try */ }
    area.remove();
    done();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
};
element.addEventListener('click', (event) => {
  const copy = event.target.closest('[data-pq-copy]');
  if (copy && element.contains(copy)) { event.preventDefault(); copyAnswer(copy); return; }
  const target = event.target.closest('[data-pq-open]');
  if (target && element.contains(target)) { event.preventDefault(); openTarget(target); }
});
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const target = event.target.closest('[data-pq-open]');
  if (target && element.contains(target) && target.tagName !== 'BUTTON') { event.preventDefault(); openTarget(target); }
});

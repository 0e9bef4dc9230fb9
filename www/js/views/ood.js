// Images from elsewhere (the `ood_dataset` setting): every final model also scores another
// dataset's test images. Per approach, as the report measures it: how well the top probability
// tells the run's own test images from the others (AUROC), the same on the raw top sigmoid for the
// per-class approaches, and how often every per-class sigmoid stays below one half ("none of
// these") on each set.
import { approachColor, approachLabel, approachRank } from './palette.js';
import { el } from '../dom.js';
import {
  dataTable, findingsOf, fixed, int, makeCaption, pct,
} from './common.js';

export function createView(container) {
  const root = el('div', { className: 'view view-ood' });
  const empty = el('p', { className: 'view-note' });
  const body = el('div');
  root.append(empty, body);
  container.append(root);
  const caption = makeCaption(root);

  function render(report, o) {
    const rank = approachRank(report);
    const ids = Object.keys(o.approaches).sort((a, b) => rank(a) - rank(b));
    const rows = ids.map((id) => {
      const s = o.approaches[id];
      const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = approachColor(id);
      const auroc = s.seed_aurocs?.length > 1 ? `${fixed(s.auroc, 3)} ± ${fixed(s.auroc_std, 3)}` : fixed(s.auroc, 3);
      return el('tr', { dataset: { approach: id } },
        el('th', { scope: 'row' }, swatch, approachLabel(id, report)),
        el('td', { textContent: auroc }),
        el('td', { textContent: s.raw_auroc == null ? '–' : fixed(s.raw_auroc, 3) }),
        el('td', { textContent: s.none_rate_ood == null ? '–' : pct(s.none_rate_ood) }),
        el('td', { textContent: s.none_rate_in == null ? '–' : pct(s.none_rate_in) }));
    });
    body.replaceChildren(dataTable(`Telling ${o.dataset}'s images from the run's own`, [
      'approach', ['AUROC', 'top probability (mean ± sd over seeds)'], ['raw AUROC', 'top sigmoid, per-class approaches'],
      ['"none of these"', `on ${o.dataset}'s images`], ['"none of these"', 'on its own test images'],
    ], rows, 'ood-table'));
  }

  return {
    update(report) {
      const o = report?.ood;
      const ok = Boolean(o && Object.keys(o.approaches ?? {}).length);
      body.hidden = !ok;
      empty.hidden = ok;
      if (!ok) {
        empty.textContent = report?.config?.ood_dataset && report?.complete === false
          ? `Images from ${report.config.ood_dataset} are scored once every model has finished.`
          : 'No out-of-distribution images in this run: set "Out-of-distribution images" (ood_dataset, e.g. fashion28 for mnist28) to see how each approach answers images of classes it never saw.';
        body.replaceChildren();
        caption.set([]);
        return;
      }
      render(report, o);
      caption.set([
        `Claim tested: one-vs-rest heads can say "none of these". Every model scored ${int(o.images)} test images of ${o.dataset}, classes it never saw. AUROC: the chance that one of the run's own test images gets a higher top probability than one of ${o.dataset}'s (0.5: cannot tell them apart, 1: always can). "None of these": the share of images on which every per-class sigmoid stays below one half.`,
      ], findingsOf(report, 'ood'));
    },
    destroy() {
      root.remove();
    },
  };
}

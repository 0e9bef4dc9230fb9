// The registry of views, in the order the lab shows them. `id` is the panel id that the page's
// `hide=` parameter names, and the key of the report's findings the view prints; `intro` is the
// line a panel shows before its first run: what it will show.
import * as curves from './curves.js';
import * as training from './training.js';
import * as perclass from './perclass.js';
import * as confusion from './confusion.js';
import * as calibration from './calibration.js';
import * as cost from './cost.js';
import * as filters from './filters.js';
import * as similarity from './similarity.js';
import * as representations from './representations.js';
import * as transfer from './transfer.js';
import * as ood from './ood.js';
import * as draw from './draw.js';

const entry = (id, title, intro, mod) => Object.freeze({ id, title, intro, createView: mod.createView });

export const views = Object.freeze({
  curves: entry('curves', 'Learning curves', 'Test accuracy and loss epoch by epoch, and per FLOP spent: which approach learns faster.', curves),
  training: entry('training', 'How training ended', 'Model by model: the epochs run, the epoch kept, and whether it had stopped improving.', training),
  perclass: entry('perclass', 'Accuracy per class', 'Each class’s accuracy side by side: does a network of its own help that class?', perclass),
  confusion: entry('confusion', 'Confusion matrices', 'Where each approach’s mistakes go; click a cell to see the images behind it.', confusion),
  calibration: entry('calibration', 'Calibration', 'Whether a model’s confidence means what it says, as a reliability diagram.', calibration),
  cost: entry('cost', 'Cost', 'The price of one model per class: parameters, FLOPs and time beside the accuracy they buy.', cost),
  filters: entry('filters', 'First-layer filters', 'Every model’s first-layer filters as small images: do per-class networks learn different ones?', filters),
  similarity: entry('similarity', 'Filter similarity', 'How alike the models’ filters are after training, beside the same at initialisation.', similarity),
  representations: entry('representations', 'Representations layer by layer (CKA)', 'How alike the networks’ internal representations are, layer by layer.', representations),
  transfer: entry('transfer', 'Transfer probe', 'How well each model’s features serve all classes, with a linear classifier on top.', transfer),
  ood: entry('ood', 'Images from another dataset', 'With another dataset chosen under More settings: can the models tell its images from their own?', ood),
  draw: entry('draw', 'Draw and classify', 'Once models are trained: draw or drop an image and see what each approach makes of it.', draw),
});

export const VIEW_IDS = Object.freeze(Object.keys(views));

/** The same entries as a list, in display order (what panels.js iterates). */
export const VIEWS = Object.freeze(VIEW_IDS.map((id) => views[id]));

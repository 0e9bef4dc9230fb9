// The registry of views, in the order the lab shows them. `id` is the panel id that the page's
// `hide=` parameter names, and the key of the report's findings the view prints.
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

const entry = (id, title, mod) => Object.freeze({ id, title, createView: mod.createView });

export const views = Object.freeze({
  curves: entry('curves', 'Learning curves', curves),
  training: entry('training', 'How training ended', training),
  perclass: entry('perclass', 'Accuracy per class', perclass),
  confusion: entry('confusion', 'Confusion matrices', confusion),
  calibration: entry('calibration', 'Calibration', calibration),
  cost: entry('cost', 'Cost', cost),
  filters: entry('filters', 'First-layer filters', filters),
  similarity: entry('similarity', 'Filter similarity', similarity),
  representations: entry('representations', 'Representations layer by layer (CKA)', representations),
  transfer: entry('transfer', 'Transfer probe', transfer),
  ood: entry('ood', 'Images from another dataset', ood),
  draw: entry('draw', 'Draw and classify', draw),
});

export const VIEW_IDS = Object.freeze(Object.keys(views));

/** The same entries as a list, in display order (what panels.js iterates). */
export const VIEWS = Object.freeze(VIEW_IDS.map((id) => views[id]));

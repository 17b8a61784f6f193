// The order page's capture/void card and the note shown after an action was recorded, read from the engine.
import { ACTION_START_STATES } from '../../actions/request.js';
import type { Engine } from '../../engine-types.js';
import type { Html } from './html.js';
import type { Locale, Messages } from './i18n/index.js';
import type { SignedIn } from './pages/layout.js';
import { actionCard } from './pages/order-actions.js';

type StoredOrder = NonNullable<Awaited<ReturnType<Engine['store']['get']>>>;

/** The card for `order`, or null when the engine has no actions. */
export async function orderActionCard(
  engine: Engine,
  order: StoredOrder,
  user: SignedIn | null,
  csrf: string,
  locale: Locale,
): Promise<Html | null> {
  if (!engine.actions) return null;
  return actionCard({
    locale,
    no_order: order.no_order,
    state: order.state,
    money_order: order.money_order,
    enabled: engine.config.actionsEnabled,
    allowedStates: ACTION_START_STATES,
    user,
    csrf,
    last: await engine.actions.latest(order.no_order),
  });
}

/** The note after `?action=<id>`: recorded, sent at most once. */
export function actionFlash(query: Record<string, unknown>, t: Messages): string | null {
  const id = query.action;
  if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id)) return null;
  return t.actionRecorded(id);
}

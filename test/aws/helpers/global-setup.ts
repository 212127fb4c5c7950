import { requireMoto } from './moto.js';

/** Fail the whole `aws` project at once, with how to fix it, when moto is not there. */
export default async function setup(): Promise<void> {
  await requireMoto();
}

import type { CloudFunction as CloudFunctionV1, RuntimeOptions } from 'firebase-functions/v1';
import type { UserRecord } from 'firebase-functions/v1/auth';
import { params } from './config';

// Triggers whose SDK modules are heavy to load: `firebase-functions/firestore` requires
// firebase-admin/firestore (the Firestore client) at import, `firebase-functions/v1` requires every
// 1st-gen provider. Every deployed function loads index.ts at cold start, so declaring these two
// there eagerly made each callable's cold start pay for them (entry load ≈ 1.76× bare
// `firebase-functions/https`). Here each trigger is the SDK's own, built with the SDK's own public
// builder on first use: when discovery reads its `__endpoint` (the manifest is unchanged) or when
// its own instance runs it. Nothing else of the function is touched.

/**
 * A handler loaded on its first call. Every deployed function loads index.ts at cold start but runs
 * only its own handler: importing all of them there made each cold start load the modules of the
 * other handlers it never runs (zod schemas, the domain, the legacy parsers, slonik's errors).
 * A failed load is tried again on the next call.
 */
export function loadedOnFirstCall<Handler extends (...args: never[]) => Promise<unknown>>(load: () => Promise<Handler>): NoInfer<Handler> {
  let handler: Promise<Handler> | undefined;
  // One declared parameter, as the SDK's v2 handlers have (the event or request): tools tell
  // 2nd-gen functions by their handler's arity.
  const call = async (event: unknown, ...rest: unknown[]) => {
    handler ??= load().catch((error: unknown): never => {
      handler = undefined;
      throw error;
    });
    return (await handler)(...([event, ...rest] as Parameters<Handler>));
  };
  return call as unknown as Handler;
}

/** A function that stands for the SDK function `build()` returns, built (and its SDK loaded) on first touch. */
function builtOnFirstUse<F extends (...args: never[]) => unknown>(build: () => F): F {
  let built: F | undefined;
  const real = (): F => (built ??= build());
  const stand = (() => undefined) as unknown as F;
  return new Proxy(stand, {
    apply: (_target, thisArg, args) => Reflect.apply(real(), thisArg, args),
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
    set: (_target, key, value) => Reflect.set(real(), key, value),
  });
}

type Firestore = typeof import('firebase-functions/firestore');

/**
 * `onDocumentCreatedWithAuthContext` of `firebase-functions/firestore` (same overloads: the event also
 * says who wrote the document), loading it (and the Firestore client) on first use.
 */
export const onDocumentCreatedWithAuthContext = ((options: never, handler: never) =>
  builtOnFirstUse(() => (require('firebase-functions/firestore') as Firestore).onDocumentCreatedWithAuthContext(options, handler))) as Firestore['onDocumentCreatedWithAuthContext'];

/** Firebase Auth's user deletion (a 1st-gen-only event) in the functions' region, with `runWith` options, loading `firebase-functions/v1` on first use. */
export function onAuthUserDeleted(options: RuntimeOptions, handler: (user: UserRecord) => unknown): CloudFunctionV1<UserRecord> {
  return builtOnFirstUse(() =>
    (require('firebase-functions/v1') as typeof import('firebase-functions/v1'))
      .region(params.region)
      .runWith(options)
      .auth.user()
      .onDelete((user) => handler(user)),
  );
}

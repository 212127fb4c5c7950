/**
 * A small HTTP proxy in front of moto, for the `aws` project only. It does three things, each
 * because moto cannot, and never anything the product could rely on instead of AWS:
 *
 * 1. **Faults AWS produces and moto does not**: an AssumeRole that is refused (moto lets any role
 *    be assumed), AccessDenied from one API in one account, a failure only after N good calls
 *    (a listing that breaks mid-way, or only at --apply's re-check), a request that never
 *    answers (so a test can kill the process mid-action).
 * 2. **EC2 image calls moto does not implement** (measured on the moto in ../shared/moto, which
 *    answers HTTP 500): `EnableImageDeprecation`, `DisableImage`, and the DescribeImages filter
 *    `block-device-mapping.snapshot-id`. The proxy keeps the deprecation time and disabled state
 *    per image and folds them into every DescribeImages answer as AWS would (disabled images
 *    hidden without IncludeDisabled, deprecated ones without IncludeDeprecated unless asked by
 *    id), and applies the snapshot filter to moto's unfiltered answer.
 * 3. **SSM DescribeParameters' `DataType` filter**, which moto rejects: the proxy strips it and
 *    filters moto's answer by the DataType field.
 * 4. **Old images.** No API sets an AMI's CreationDate; moto stamps its own clock. Its README's
 *    route (libfaketime with a clock file) makes every moto call about 10× slower here (measured:
 *    DescribeInstances 210 ms against 20 ms; libfaketime re-reads the file on every time call)
 *    and moves the clock for everyone. Instead `age(id, days)` rewrites that image's
 *    `creationDate` in DescribeImages answers, the only place the product reads it.
 *
 * 5. **EC2 Image Builder**, which moto does not emulate at all (it answers an HTML 404): the
 *    proxy serves ListImageRecipes, ListImagePipelines and GetImageRecipe from recipes a test
 *    adds with `imageBuilder.recipe()`; every account-region has none otherwise.
 * 6. **SecureString values read without WithDecryption**: moto returns `kms:alias/…:<value>`,
 *    which still shows the AMI id; AWS returns ciphertext. The proxy answers an opaque value,
 *    so a test can tell whether the product asked for decryption.
 *
 * 6b. **CopyImage's TagSpecifications**, which moto ignores (its README): the proxy writes them
 *    on the new image and its snapshots with CreateTags, as AWS applies them at creation.
 * 7. **A copy that fails.** moto's copies are available at once; after `failCopies()` every new
 *    CopyImage result reports state `failed`, as AWS does when a copy breaks.
 * 8. **Credentials of another account.** An access key `as-<account>` acts in that account (the
 *    proxy sets moto's x-moto-account-id), so the product can run "from a member account"
 *    with plain environment credentials.
 * 9. **Shared AMIs seen from the receiving account.** moto only stores a launch permission: the
 *    other account can neither describe nor tag the image. The proxy remembers shares made
 *    through it (account ids, and organization/OU ARNs resolved through moto's Organizations),
 *    answers DescribeImages by id in a receiving account from the owner's copy with that
 *    account's own tags (tags never cross accounts), and keeps CreateTags on such a view.
 *
 * 10. **DeleteKeyPair by KeyPairId**, which moto does not support (by name it does): the proxy
 *    looks the name up with DescribeKeyPairs and deletes by name.
 *
 * 11. **Instance addresses.** moto's instances have made-up addresses nothing answers on;
 *    after `instanceAddress(ip)` DescribeInstances reports that address instead, so an SSH
 *    attempt fails at once (or reaches a container standing in for the instance).
 * 12. **Console output.** moto answers GetConsoleOutput with a fixed 2006 kernel log and no
 *    SSH host key fingerprints; after `consoleOutput(text)` every instance's console is `text`
 *    (a test prints the fingerprints of the sshd standing in for the instance, as cloud-init does).
 * 13. **Boot states.** moto's instances are `running` at once and never fail to boot. After
 *    `bootStates(steps, reason)` each DescribeInstances answer shows the next state of `steps`
 *    (the last one stays), `terminated` with `reason` as AWS reports a failed launch, until the
 *    product calls TerminateInstances; from then on moto's own state shows.
 * 14. **Images built from another image's snapshot.** moto's RegisterImage ignores block device
 *    mappings (every AMI gets its own new snapshot), so two images never share one. After
 *    `alsoUses(imageId, snapshotId)` DescribeImages shows that image with one more EBS mapping on
 *    `snapshotId` (also for the snapshot-id filter), as an AMI registered from a copy would.
 * 15. **Something happening between two product calls.** `before(hook)` runs the hook's async
 *    function once, ahead of forwarding the first matching call, so a test can change state at
 *    an exact point of a run (an instance launched between two checks) without racing it.
 * 16. **CopyImage of a shared image into the receiving account.** moto looks the source up only
 *    in the caller's own account (InvalidAMIID.NotFound). When the source was shared through the
 *    proxy with the calling account, the proxy registers a new image of the requested name there
 *    (with the request's TagSpecifications) and answers its id, as the copy AWS would make.
 * 17. **CopyImage's ClientToken.** moto makes a new image for every call; AWS answers a repeated
 *    token (same account and region) with the image the first call made. The proxy remembers
 *    tokens and answers so.
 * 18. **A lost response and a listing not caught up.** A fault with `lose` lets the call reach moto
 *    and then drops the connection, as a response lost on the way back; `unlist(id)` hides an
 *    image from DescribeImages listings (not from a lookup by id), as EC2's eventually consistent
 *    listing does right after a copy. `holdCopies()` keeps new copies `pending`: moto's are
 *    available at once.
 *
 * 19. **DescribeImages paging.** moto ignores MaxResults and NextToken (one page of everything);
 *    AWS answers at most MaxResults images and a NextToken while more are left. The proxy pages
 *    the answer it would otherwise give (after the overlays above), so a caller that stops after
 *    the first page misses images, as it would in AWS.
 * 20. **`resolve:ssm:` image ids in launch templates.** moto stores the alias and returns it as
 *    is; with ResolveAlias=true AWS answers the AMI id the parameter holds now. The proxy asks
 *    moto's SSM (same account and region) for the parameter and substitutes its value; an alias
 *    whose parameter does not exist stays unresolved.
 * 21. **KMS GetPublicKey's KeySpec.** moto answers only the deprecated CustomerMasterKeySpec;
 *    AWS answers both. The proxy copies it into KeySpec, the field the product reads.
 *    (moto's Sign also ignores MessageType=DIGEST and hashes the digest again, measured; a proxy
 *    cannot fix that without the private key, so signing over a digest is tested with a mock in
 *    test/unit/evidence/signers.test.ts.)
 *
 * It also records every call (service, action, account, region) so tests can assert that a dry
 * run made no mutating call.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DOMParser, type Element, XMLSerializer } from '@xmldom/xmldom';
import { MANAGEMENT } from './moto.js';

export interface Call {
  service: string;
  action: string;
  account: string;
  region: string;
  params: Record<string, unknown>;
  /** Time moto took to answer (ms). */
  ms?: number;
  /** The image a CopyImage, RegisterImage or CreateImage made. */
  imageId?: string;
}

export interface Fault {
  action: string;
  service?: string;
  account?: string;
  region?: string;
  /** Only calls whose parameters match (query params flattened, or the JSON body). */
  when?: (params: Record<string, unknown>) => boolean;
  /** Let this many matching calls through first. */
  skip?: number;
  /** Fail this many matching calls, then pass again (default: every one). */
  times?: number;
  code: string;
  message?: string;
  status?: number;
  /** Never answer (the request stays open until the proxy closes). */
  hang?: boolean;
  /** Let the call take effect in moto, then drop the connection (see 18. above). */
  lose?: boolean;
}

export interface Hook {
  action: string;
  account?: string;
  when?: (params: Record<string, unknown>) => boolean;
  run: () => Promise<void>;
}

interface ArmedFault extends Fault {
  seen: number;
  failed: number;
}

export interface MotoProxy {
  endpoint: string;
  calls: Call[];
  fault(f: Fault): void;
  clearFaults(): void;
  /** Forget image overlays and recorded calls (after a moto reset). */
  reset(): void;
  /** Image Builder recipes per account-region (see 5. above). */
  imageBuilder: {
    recipe(
      account: string,
      region: string,
      r: { name: string; parentImage: string; pipeline?: string },
    ): void;
  };
  /** Report every instance's public address as `ip`, its private one as `privateIp` (see 11. above). */
  instanceAddress(ip: string, privateIp?: string): void;
  /** Every instance's console output, as plain text; undefined: moto's own (see 12. above). */
  consoleOutput(text: string | undefined): void;
  /** States DescribeInstances shows, one per answer, until TerminateInstances (see 13. above). */
  bootStates(
    steps: Array<'pending' | 'running' | 'terminated'>,
    reason?: { code: string; message: string },
  ): void;
  /** From now on every CopyImage result ends `failed` (see 7. above); `false` stops that. */
  failCopies(on?: boolean): void;
  /** Hide `imageId` from DescribeImages listings, not from lookups by id (see 18. above). */
  unlist(imageId: string): void;
  /** From now on new CopyImage results stay `pending`; `false` finishes them all (see 18. above). */
  holdCopies(on?: boolean): void;
  /** Show `imageId` with an extra EBS mapping on `snapshotId` (see 14. above). */
  alsoUses(imageId: string, snapshotId: string): void;
  /** Await `hook.run` once, before the first matching call goes to moto (see 15. above). */
  before(hook: Hook): void;
  /** Report `imageId` as created `days` ago from now on (see 4. above). */
  age(imageId: string, days: number): void;
  /** Resolves at the next call matching `action` (and account, when given). */
  nextCall(action: string, account?: string): Promise<Call>;
  close(): Promise<void>;
}

const MUTATING =
  /^(Create|Delete|Deregister|Disable|Enable|Modify|Put|Register|Copy|Run|Terminate|Request|Cancel|Reset|Import|Update)/;
export const isMutating = (c: Call) => MUTATING.test(c.action);

export async function startMotoProxy(upstream: string): Promise<MotoProxy> {
  const calls: Call[] = [];
  let faults: ArmedFault[] = [];
  const keyAccount = new Map<string, string>();
  const deprecation = new Map<string, string>();
  const disabled = new Set<string>();
  const created = new Map<string, string>();
  const failing = new Set<string>();
  const held = new Set<string>();
  const unlisted = new Set<string>();
  const copyTokens = new Map<string, string>();
  let holdNewCopies = false;
  let failNewCopies = false;
  let address: { public: string; private: string } | undefined;
  let consoleText: string | undefined;
  let boot: { steps: string[]; reason?: { code: string; message: string } } | undefined;
  const shares = new Map<string, { owner: string; region: string; grants: string[] }>();
  const viewTags = new Map<string, Map<string, string>>(); // `${account}|${imageId}` → tags
  const recipes = new Map<string, Array<{ name: string; parentImage: string; pipeline?: string }>>();
  const waiters: Array<{ action: string; account?: string; resolve: (c: Call) => void }> = [];
  const hung = new Set<ServerResponse>();
  const extraSnapshots = new Map<string, string[]>();
  let hooks: Hook[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const auth = String(req.headers.authorization ?? '');
    const cred = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\//.exec(auth);
    const accessKey = cred?.[1] ?? '';
    const region = cred?.[2] ?? 'us-east-1';
    const service = cred?.[3] ?? 'unknown';
    const target = String(req.headers['x-amz-target'] ?? '');
    // Image Builder is REST-JSON: the operation is the path, the input the body or query.
    const rest = service === 'imagebuilder';
    const json = target !== '' || rest;
    const url = new URL(req.url ?? '/', 'http://proxy');
    const form = json ? undefined : new URLSearchParams(body);
    const action = rest
      ? url.pathname.replace(/^\//, '')
      : json
        ? (target.split('.').pop() ?? '')
        : (form?.get('Action') ?? '');
    const params: Record<string, unknown> = json
      ? body
        ? (JSON.parse(body) as Record<string, unknown>)
        : {}
      : Object.fromEntries(form ?? []);
    if (rest) Object.assign(params, Object.fromEntries(url.searchParams));
    const asAccount = /^as-(\d{12})$/.exec(accessKey)?.[1];
    if (asAccount) req.headers['x-moto-account-id'] = asAccount;
    const account = String(req.headers['x-moto-account-id'] ?? '') || keyAccount.get(accessKey) || MANAGEMENT;
    const call: Call = { service, action, account, region, params };
    calls.push(call);
    for (const w of waiters.splice(0)) {
      if (w.action === action && (!w.account || w.account === account)) w.resolve(call);
      else waiters.push(w);
    }

    const fault = faults.find(
      (f) =>
        f.action === action &&
        (!f.service || f.service === service) &&
        (!f.account || f.account === account) &&
        (!f.region || f.region === region) &&
        (!f.when || f.when(params)) &&
        f.seen++ >= (f.skip ?? 0) &&
        (f.times === undefined || f.failed < f.times),
    );
    const hook = hooks.find(
      (h) => h.action === action && (!h.account || h.account === account) && (!h.when || h.when(params)),
    );
    if (hook) {
      hooks = hooks.filter((h) => h !== hook);
      await hook.run();
    }
    if (fault && !fault.lose) {
      fault.failed++;
      if (fault.hang) {
        hung.add(res);
        return;
      }
      return sendError(res, service, json, fault);
    }

    if (rest) {
      const list = recipes.get(`${account}/${region}`) ?? [];
      const arn = (name: string) => `arn:aws:imagebuilder:${region}:${account}:image-recipe/${name}/1.0.0`;
      const answer = (o: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      if (action === 'ListImageRecipes')
        return answer({
          imageRecipeSummaryList: list.map((r) => ({ arn: arn(r.name), name: r.name, owner: account })),
        });
      if (action === 'ListImagePipelines')
        return answer({
          imagePipelineList: list.flatMap((r) =>
            r.pipeline ? [{ name: r.pipeline, imageRecipeArn: arn(r.name) }] : [],
          ),
        });
      const r = list.find((x) => arn(x.name) === params.imageRecipeArn);
      if (action === 'GetImageRecipe' && r)
        return answer({ imageRecipe: { arn: arn(r.name), name: r.name, parentImage: r.parentImage } });
      return sendError(res, service, true, { action, code: 'ResourceNotFoundException', status: 404 });
    }
    if (service === 'ec2' && form && (action === 'DescribeImages' || action === 'CreateTags')) {
      const ids = [...form].filter(([k]) => /^(ImageId|ResourceId)\.\d+$/.test(k)).map(([, v]) => v);
      const views =
        ids.length > 0 &&
        ids.every((id) => shares.get(id)?.owner !== undefined && shares.get(id)?.owner !== account);
      if (views && (await allVisible(upstream, ids, account, shares))) {
        if (action === 'CreateTags') {
          for (const id of ids) {
            const k = `${account}|${id}`;
            const t = viewTags.get(k) ?? new Map<string, string>();
            for (const [key, v] of form) {
              const m = /^Tag\.(\d+)\.Key$/.exec(key);
              if (m) t.set(v, form.get(`Tag.${m[1]}.Value`) ?? '');
            }
            viewTags.set(k, t);
          }
          return sendXml(res, ec2Return('CreateTags'));
        }
        const owner = shares.get(ids[0] as string)?.owner as string;
        const up = await fetch(`${upstream}/`, {
          method: 'POST',
          headers: { ...forwardHeaders(req), 'x-moto-account-id': owner },
          body,
        });
        return sendXml(
          res,
          withViewTags(await up.text(), (id) => viewTags.get(`${account}|${id}`)),
          up.status,
        );
      }
    }
    if (service === 'ec2' && form) {
      const id = form.get('ImageId') ?? '';
      if (action === 'EnableImageDeprecation') {
        deprecation.set(id, new Date(String(form.get('DeprecateAt'))).toISOString());
        return sendXml(res, ec2Return(action));
      }
      if (action === 'DisableImage') {
        disabled.add(id);
        return sendXml(res, ec2Return(action));
      }
    }
    const tokenKey = `${account}|${region}|${form?.get('ClientToken') ?? ''}`;
    const known = action === 'CopyImage' && form?.get('ClientToken') ? copyTokens.get(tokenKey) : undefined;
    if (known && !fault) {
      call.imageId = known;
      return sendXml(res, copyResponse(known));
    }
    if (service === 'ec2' && form && action === 'CopyImage') {
      const src = form.get('SourceImageId') ?? '';
      const owner = shares.get(src)?.owner;
      if (owner && owner !== account && (await allVisible(upstream, [src], account, shares))) {
        const made = await fetch(`${upstream}/`, {
          method: 'POST',
          headers: forwardHeaders(req),
          body: new URLSearchParams({
            Action: 'RegisterImage',
            Version: '2016-11-15',
            Name: form.get('Name') ?? src,
            Description: form.get('Description') ?? '',
          }).toString(),
        });
        const text = await made.text();
        call.imageId = /<imageId>([^<]+)<\/imageId>/.exec(text)?.[1];
        if (!made.ok || !call.imageId) return sendXml(res, text, made.status);
        if (failNewCopies) failing.add(call.imageId);
        if (holdNewCopies) held.add(call.imageId);
        if (form.get('ClientToken')) copyTokens.set(tokenKey, call.imageId);
        await applyTagSpecifications(upstream, req, form, call.imageId);
        if (fault?.lose) {
          fault.failed++;
          return void res.destroy();
        }
        return sendXml(res, copyResponse(call.imageId));
      }
    }
    let forwardBody = body;
    if (
      service === 'ec2' &&
      form &&
      action === 'DeleteKeyPair' &&
      form.has('KeyPairId') &&
      !form.has('KeyName')
    ) {
      const described = await fetch(`${upstream}/`, {
        method: 'POST',
        headers: forwardHeaders(req),
        body: new URLSearchParams({
          Action: 'DescribeKeyPairs',
          Version: '2016-11-15',
          'KeyPairId.1': form.get('KeyPairId') as string,
        }).toString(),
      });
      const name = /<keyName>([^<]+)<\/keyName>/.exec(await described.text())?.[1];
      if (!described.ok || !name) {
        return sendError(res, service, false, { action, code: 'InvalidKeyPair.NotFound', status: 400 });
      }
      form.delete('KeyPairId');
      form.set('KeyName', name);
      forwardBody = form.toString();
    }
    let snapshotFilter: string[] | undefined;
    let dataTypeFilter: string[] | undefined;
    if (service === 'ec2' && form && action === 'DescribeImages') {
      snapshotFilter = stripFilter(form, 'block-device-mapping.snapshot-id');
      forwardBody = form.toString();
    }
    if (service === 'ssm' && action === 'DescribeParameters') {
      const filters = (params.ParameterFilters ?? []) as Array<{ Key: string; Values: string[] }>;
      dataTypeFilter = filters.find((f) => f.Key === 'DataType')?.Values;
      if (dataTypeFilter) {
        forwardBody = JSON.stringify({
          ...params,
          ParameterFilters: filters.filter((f) => f.Key !== 'DataType'),
        });
      }
    }

    const started = Date.now();
    const up = await fetch(`${upstream}${req.url ?? '/'}`, {
      method: req.method ?? 'POST',
      headers: forwardHeaders(req),
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: forwardBody }),
    });
    let text = await up.text();
    call.ms = Date.now() - started;
    if (up.ok && service === 'sts' && action === 'AssumeRole') {
      const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(text)?.[1];
      const acct = /arn:[^:]+:iam::(\d{12}):role\//.exec(String(params.RoleArn))?.[1];
      if (key && acct) keyAccount.set(key, acct);
    }
    if (up.ok && service === 'ec2' && /^(Copy|Register|Create)Image$/.test(action)) {
      call.imageId = /<imageId>([^<]+)<\/imageId>/.exec(text)?.[1];
      if (action === 'CopyImage' && failNewCopies && call.imageId) failing.add(call.imageId);
      if (action === 'CopyImage' && holdNewCopies && call.imageId) held.add(call.imageId);
      if (action === 'CopyImage' && form?.get('ClientToken') && call.imageId)
        copyTokens.set(tokenKey, call.imageId);
      if (action === 'CopyImage' && form && call.imageId)
        await applyTagSpecifications(upstream, req, form, call.imageId);
    }
    if (up.ok && service === 'ec2' && action === 'ModifyImageAttribute') {
      const id = String(params.ImageId);
      const entry = shares.get(id) ?? { owner: account, region, grants: [] };
      for (const [k, v] of Object.entries(params)) {
        if (/^LaunchPermission\.Add\.\d+\.(UserId|OrganizationArn|OrganizationalUnitArn)$/.test(k))
          entry.grants.push(String(v));
      }
      shares.set(id, entry);
    }
    if (up.ok && action === 'DeregisterImage') {
      deprecation.delete(String(params.ImageId));
      disabled.delete(String(params.ImageId));
    }
    if (up.ok && service === 'ec2' && action === 'DescribeImages' && form) {
      text = overlayImages(text, form, {
        deprecation,
        disabled,
        created,
        failing,
        held,
        unlisted,
        snapshotFilter,
        extraSnapshots,
      });
      text = pageImages(text, form);
    }
    if (up.ok && service === 'ec2' && action === 'DescribeLaunchTemplateVersions' && form) {
      if (form.get('ResolveAlias') === 'true') text = await resolveAliases(upstream, account, region, text);
    }
    if (
      up.ok &&
      service === 'ssm' &&
      /^GetParameters?(ByPath)?$/.test(action) &&
      params.WithDecryption !== true
    ) {
      const out = JSON.parse(text) as { Parameter?: SsmValue; Parameters?: SsmValue[] };
      for (const p of [...(out.Parameters ?? []), ...(out.Parameter ? [out.Parameter] : [])]) {
        if (p.Type === 'SecureString') p.Value = Buffer.from(`ciphertext:${p.Value}`).toString('base64');
      }
      text = JSON.stringify(out);
    }
    if (up.ok && service === 'ec2' && action === 'TerminateInstances') boot = undefined;
    if (up.ok && boot && service === 'ec2' && action === 'DescribeInstances') {
      const step = (boot.steps.length > 1 ? boot.steps.shift() : boot.steps[0]) ?? 'running';
      const code = { pending: 0, running: 16, terminated: 48 }[step] ?? 16;
      const reason = step === 'terminated' && boot.reason ? boot.reason : { code: '', message: '' };
      text = text
        .replace(
          /<instanceState><code>\d+<\/code><name>[^<]*<\/name><\/instanceState>/g,
          `<instanceState><code>${code}</code><name>${step}</name></instanceState>`,
        )
        .replace(
          /<stateReason>.*?<\/stateReason>/g,
          `<stateReason><code>${reason.code}</code><message>${reason.message}</message></stateReason>`,
        );
    }
    if (up.ok && address && service === 'ec2' && action === 'DescribeInstances') {
      text = text
        .replace(/<ipAddress>[^<]*<\/ipAddress>/g, `<ipAddress>${address.public}</ipAddress>`)
        .replace(
          /<privateIpAddress>[^<]*<\/privateIpAddress>/g,
          `<privateIpAddress>${address.private}</privateIpAddress>`,
        );
    }
    if (up.ok && consoleText !== undefined && service === 'ec2' && action === 'GetConsoleOutput') {
      const encoded = Buffer.from(consoleText).toString('base64');
      text = text.replace(/<output>[^<]*<\/output>/, `<output>${encoded}</output>`);
    }
    if (up.ok && service === 'kms' && action === 'GetPublicKey') {
      const out = JSON.parse(text) as { KeySpec?: string; CustomerMasterKeySpec?: string };
      if (!out.KeySpec && out.CustomerMasterKeySpec) out.KeySpec = out.CustomerMasterKeySpec;
      text = JSON.stringify(out);
    }
    if (up.ok && dataTypeFilter) {
      const out = JSON.parse(text) as { Parameters?: Array<{ DataType?: string }> };
      out.Parameters = (out.Parameters ?? []).filter((p) => dataTypeFilter?.includes(p.DataType ?? 'text'));
      text = JSON.stringify(out);
    }
    if (fault?.lose) {
      fault.failed++;
      return void res.destroy();
    }
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/xml' });
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`moto proxy: ${String(err)}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    fault: (f) => faults.push({ ...f, seen: 0, failed: 0 }),
    clearFaults: () => {
      faults = [];
    },
    reset: () => {
      faults = [];
      calls.length = 0;
      deprecation.clear();
      disabled.clear();
      created.clear();
      recipes.clear();
      failing.clear();
      held.clear();
      unlisted.clear();
      copyTokens.clear();
      holdNewCopies = false;
      failNewCopies = false;
      address = undefined;
      consoleText = undefined;
      boot = undefined;
      shares.clear();
      viewTags.clear();
      keyAccount.clear();
      extraSnapshots.clear();
      hooks = [];
    },
    unlist: (imageId) => {
      unlisted.add(imageId);
    },
    holdCopies: (on = true) => {
      holdNewCopies = on;
      if (!on) held.clear();
    },
    alsoUses: (imageId, snapshotId) => {
      extraSnapshots.set(imageId, [...(extraSnapshots.get(imageId) ?? []), snapshotId]);
    },
    before: (hook) => {
      hooks.push(hook);
    },
    instanceAddress: (ip, privateIp = ip) => {
      address = { public: ip, private: privateIp };
    },
    consoleOutput: (text) => {
      consoleText = text;
    },
    bootStates: (steps, reason) => {
      boot = { steps: [...steps], ...(reason ? { reason } : {}) };
    },
    failCopies: (on = true) => {
      failNewCopies = on;
    },
    imageBuilder: {
      recipe: (account, region, r) => {
        const k = `${account}/${region}`;
        recipes.set(k, [...(recipes.get(k) ?? []), r]);
      },
    },
    age: (imageId, days) => {
      // Whole seconds, as EC2 writes it.
      created.set(
        imageId,
        new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
      );
    },
    nextCall: (action, account) =>
      new Promise((resolve) => waiters.push({ action, ...(account ? { account } : {}), resolve })),
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface SsmValue {
  Type?: string;
  Value?: string;
}

/** Tag a new copy (and its snapshots) with the request's TagSpecifications, in its account. */
async function applyTagSpecifications(
  upstream: string,
  req: IncomingMessage,
  form: URLSearchParams,
  imageId: string,
): Promise<void> {
  const send = async (params: Record<string, string>) => {
    const res = await fetch(`${upstream}/`, {
      method: 'POST',
      headers: { ...forwardHeaders(req), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
    });
    return res.text();
  };
  const specs = new Map<string, { type: string; tags: Array<[string, string]> }>();
  for (const [k, v] of form) {
    const m = /^TagSpecification\.(\d+)\.(ResourceType|Tag\.(\d+)\.Key)$/.exec(k);
    if (!m) continue;
    const spec = specs.get(m[1] as string) ?? { type: '', tags: [] };
    if (m[2] === 'ResourceType') spec.type = v;
    else spec.tags.push([v, form.get(`TagSpecification.${m[1]}.Tag.${m[3]}.Value`) ?? '']);
    specs.set(m[1] as string, spec);
  }
  for (const spec of specs.values()) {
    let resources = [imageId];
    if (spec.type === 'snapshot') {
      const xml = await send({ Action: 'DescribeImages', 'ImageId.1': imageId });
      resources = [...xml.matchAll(/<snapshotId>([^<]+)<\/snapshotId>/g)].map((m) => m[1] as string);
    }
    if (resources.length === 0 || spec.tags.length === 0) continue;
    const params: Record<string, string> = { Action: 'CreateTags' };
    resources.forEach((r, i) => {
      params[`ResourceId.${i + 1}`] = r;
    });
    spec.tags.forEach(([k, v], i) => {
      params[`Tag.${i + 1}.Key`] = k;
      params[`Tag.${i + 1}.Value`] = v;
    });
    await send(params);
  }
}

/** Whether `account` may launch every image in `ids` by the shares recorded (OUs asked of moto). */
async function allVisible(
  upstream: string,
  ids: string[],
  account: string,
  shares: Map<string, { owner: string; grants: string[] }>,
): Promise<boolean> {
  for (const id of ids) {
    const grants = shares.get(id)?.grants ?? [];
    if (grants.includes(account)) continue;
    let found = false;
    for (const g of grants.filter((x) => x.startsWith('arn:'))) {
      if ((await organizationMembers(upstream, g)).includes(account)) found = true;
    }
    if (!found) return false;
  }
  return true;
}

/** ACTIVE accounts of an organization or OU ARN (child OUs included), asked of moto as its management account. */
async function organizationMembers(upstream: string, arn: string): Promise<string[]> {
  const ask = async (op: string, input: object) => {
    const res = await fetch(`${upstream}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSOrganizationsV20161128.${op}`,
        'x-moto-account-id': MANAGEMENT,
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(input),
    });
    return (await res.json()) as {
      Accounts?: Array<{ Id: string; Status?: string }>;
      Children?: Array<{ Id: string }>;
    };
  };
  const active = (list: Array<{ Id: string; Status?: string }> = []) =>
    list.filter((a) => a.Status === 'ACTIVE').map((a) => a.Id);
  if (/:organization\//.test(arn)) return active((await ask('ListAccounts', {})).Accounts);
  const out: string[] = [];
  const queue = [arn.split('/').pop() as string];
  while (queue.length) {
    const parent = queue.shift() as string;
    out.push(...active((await ask('ListAccountsForParent', { ParentId: parent })).Accounts));
    for (const c of (await ask('ListChildren', { ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT' }))
      .Children ?? [])
      queue.push(c.Id);
  }
  return out;
}

/** Keep one page of a DescribeImages answer: MaxResults items from NextToken's offset (see 19.). */
function pageImages(xml: string, form: URLSearchParams): string {
  const max = Number(form.get('MaxResults') ?? 0);
  if (!max) return xml;
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const set = doc.getElementsByTagName('imagesSet')[0];
  if (!set) return xml;
  const start = Number(form.get('NextToken') ?? 0);
  const items = Array.from(set.childNodes).filter((c): c is Element => (c as Element).tagName === 'item');
  items.forEach((item, n) => {
    if (n < start || n >= start + max) set.removeChild(item);
  });
  if (start + max < items.length) {
    const token = doc.createElement('nextToken');
    token.appendChild(doc.createTextNode(String(start + max)));
    set.parentNode?.appendChild(token);
  }
  return new XMLSerializer().serializeToString(doc);
}

/** Replace `resolve:ssm:NAME` image ids with the parameter's value, asked of moto (see 20.). */
async function resolveAliases(
  upstream: string,
  account: string,
  region: string,
  xml: string,
): Promise<string> {
  const aliases = [
    ...new Set([...xml.matchAll(/<imageId>resolve:ssm:([^<]+)<\/imageId>/g)].map((m) => m[1])),
  ];
  for (const name of aliases as string[]) {
    const res = await fetch(`${upstream}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetParameter',
        'x-moto-account-id': account,
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/ssm/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ Name: name }),
    });
    if (!res.ok) continue;
    const value = ((await res.json()) as { Parameter?: { Value?: string } }).Parameter?.Value;
    if (value) xml = xml.split(`<imageId>resolve:ssm:${name}</imageId>`).join(`<imageId>${value}</imageId>`);
  }
  return xml;
}

/** Replace each image's tags with the receiving account's own (none unless it tagged its view). */
function withViewTags(xml: string, tagsOf: (imageId: string) => Map<string, string> | undefined): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const set = doc.getElementsByTagName('imagesSet')[0];
  if (!set) return xml;
  for (const item of Array.from(set.childNodes).filter(
    (c): c is Element => (c as Element).tagName === 'item',
  )) {
    const id = child(item, 'imageId')?.textContent ?? '';
    const old = child(item, 'tagSet');
    if (old) item.removeChild(old);
    const tagSet = doc.createElement('tagSet');
    for (const [k, v] of tagsOf(id) ?? []) {
      const t = doc.createElement('item');
      const key = doc.createElement('key');
      key.appendChild(doc.createTextNode(k));
      const value = doc.createElement('value');
      value.appendChild(doc.createTextNode(v));
      t.appendChild(key);
      t.appendChild(value);
      tagSet.appendChild(t);
    }
    item.appendChild(tagSet);
  }
  return new XMLSerializer().serializeToString(doc);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || ['host', 'content-length', 'connection', 'expect'].includes(k)) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function sendXml(res: ServerResponse, xml: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(xml);
}

const copyResponse = (imageId: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><CopyImageResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>moto-proxy</requestId><imageId>${imageId}</imageId></CopyImageResponse>`;

const ec2Return = (action: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>moto-proxy</requestId><return>true</return></${action}Response>`;

/** The error body each protocol's SDK deserializer expects. */
function sendError(res: ServerResponse, service: string, json: boolean, f: Fault): void {
  const message = f.message ?? `injected by the test proxy: ${f.code}`;
  const status = f.status ?? 403;
  if (json) {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': f.code });
    res.end(JSON.stringify({ __type: f.code, message }));
  } else if (service === 'ec2') {
    sendXml(
      res,
      `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${f.code}</Code><Message>${message}</Message></Error></Errors><RequestID>moto-proxy</RequestID></Response>`,
      status,
    );
  } else {
    sendXml(
      res,
      `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>${f.code}</Code><Message>${message}</Message></Error><RequestId>moto-proxy</RequestId></ErrorResponse>`,
      status,
    );
  }
}

/** Remove EC2 query filter `name` (renumbering the rest); returns its values, if it was there. */
function stripFilter(form: URLSearchParams, name: string): string[] | undefined {
  const filters = new Map<string, { name: string; values: string[] }>();
  for (const [k, v] of form) {
    const m = /^Filter\.(\d+)\.(Name|Value\.\d+)$/.exec(k);
    if (!m) continue;
    const f = filters.get(m[1] as string) ?? { name: '', values: [] };
    if (m[2] === 'Name') f.name = v;
    else f.values.push(v);
    filters.set(m[1] as string, f);
  }
  const hit = [...filters.values()].find((f) => f.name === name);
  if (!hit) return undefined;
  for (const k of [...form.keys()]) if (k.startsWith('Filter.')) form.delete(k);
  let n = 1;
  for (const f of filters.values()) {
    if (f.name === name) continue;
    form.set(`Filter.${n}.Name`, f.name);
    for (const [i, v] of f.values.entries()) form.set(`Filter.${n}.Value.${i + 1}`, v);
    n++;
  }
  return hit.values;
}

const child = (e: Element, tag: string): Element | undefined =>
  Array.from(e.childNodes).find((c): c is Element => (c as Element).tagName === tag);

function overlayImages(
  xml: string,
  form: URLSearchParams,
  o: {
    deprecation: Map<string, string>;
    disabled: Set<string>;
    created: Map<string, string>;
    failing: Set<string>;
    held: Set<string>;
    unlisted: Set<string>;
    snapshotFilter: string[] | undefined;
    extraSnapshots: Map<string, string[]>;
  },
): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const set = doc.getElementsByTagName('imagesSet')[0];
  if (!set) return xml;
  const byId = [...form.keys()].some((k) => k.startsWith('ImageId.'));
  const includeDisabled = form.get('IncludeDisabled') === 'true';
  const includeDeprecated = form.get('IncludeDeprecated') === 'true' || byId;
  const now = Date.now();
  for (const item of Array.from(set.childNodes).filter(
    (c): c is Element => (c as Element).tagName === 'item',
  )) {
    const id = child(item, 'imageId')?.textContent ?? '';
    const createdAt = o.created.get(id);
    const creation = child(item, 'creationDate');
    if (createdAt && creation) creation.textContent = createdAt;
    const deprecatedAt = o.deprecation.get(id);
    if (deprecatedAt) {
      const el = doc.createElement('deprecationTime');
      el.appendChild(doc.createTextNode(deprecatedAt));
      item.appendChild(el);
    }
    if (o.disabled.has(id) || o.failing.has(id) || o.held.has(id)) {
      const state = child(item, 'imageState');
      if (state) state.textContent = o.failing.has(id) ? 'failed' : o.held.has(id) ? 'pending' : 'disabled';
    }
    const mappings = child(item, 'blockDeviceMapping');
    (o.extraSnapshots.get(id) ?? []).forEach((snap, n) => {
      const m = doc.createElement('item');
      const dev = doc.createElement('deviceName');
      dev.appendChild(doc.createTextNode(`/dev/sd${String.fromCharCode(102 + n)}`));
      const ebs = doc.createElement('ebs');
      const sid = doc.createElement('snapshotId');
      sid.appendChild(doc.createTextNode(snap));
      ebs.appendChild(sid);
      m.appendChild(dev);
      m.appendChild(ebs);
      mappings?.appendChild(m);
    });
    const snapshots = Array.from(item.getElementsByTagName('snapshotId')).map((s) => s.textContent ?? '');
    const hide =
      (o.unlisted.has(id) && !byId) ||
      (o.disabled.has(id) && !includeDisabled) ||
      (deprecatedAt !== undefined && Date.parse(deprecatedAt) <= now && !includeDeprecated) ||
      (o.snapshotFilter !== undefined && !snapshots.some((s) => o.snapshotFilter?.includes(s)));
    if (hide) set.removeChild(item);
  }
  return new XMLSerializer().serializeToString(doc);
}

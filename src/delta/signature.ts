// Optional ed25519 signature over the manifest's exact bytes. A key is named by the hex
// sha256 of its SPKI DER encoding.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import * as v from "valibot";
import { EvError } from "../errors.ts";

export const SignatureSchema = v.strictObject({
  alg: v.literal("ed25519"),
  keyId: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits")),
  sig: v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{86}==$/, "expected 64 bytes in base64")),
});
export type DeltaSignature = v.InferOutput<typeof SignatureSchema>;

export function keyId(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

export function parsePublicKey(pem: string, what: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`${key.asymmetricKeyType} key`);
    return key;
  } catch (e) {
    throw new EvError("EV_CONFIG_INVALID", `${what} is not an ed25519 public key`, { cause: e });
  }
}

export function parsePrivateKey(pem: string, what: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`${key.asymmetricKeyType} key`);
    return key;
  } catch (e) {
    throw new EvError("EV_CONFIG_INVALID", `${what} is not an ed25519 private key`, { cause: e });
  }
}

export function generateSigningKey(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    keyId: keyId(publicKey),
  };
}

export function signManifest(manifestBytes: Buffer, privateKey: KeyObject): DeltaSignature {
  return {
    alg: "ed25519",
    keyId: keyId(createPublicKey(privateKey)),
    sig: sign(null, manifestBytes, privateKey).toString("base64"),
  };
}

/**
 * Apply the trust policy: with no trusted keys, anything goes (an unsigned delta is still
 * covered by its digests); with keys, a valid signature by one of them is required.
 * Returns the id of the key that signed, if checked.
 */
export function checkSignature(
  manifestBytes: Buffer,
  signature: DeltaSignature | undefined,
  trustedKeys: readonly KeyObject[],
): string | undefined {
  if (trustedKeys.length === 0) return undefined;
  if (!signature)
    throw new EvError(
      "EV_DELTA_SIGNATURE",
      "the delta is not signed, and signing keys are configured",
      {
        hint: "create it with `edgevisor delta create --sign-key <key.pem>`",
      },
    );
  const key = trustedKeys.find((k) => keyId(k) === signature.keyId);
  if (!key)
    throw new EvError(
      "EV_DELTA_SIGNATURE",
      `the delta is signed by key ${signature.keyId.slice(0, 16)}…, which is not a trusted key`,
      { hint: "add its public key to the agent's trusted delta keys, or re-sign the delta" },
    );
  if (!verify(null, manifestBytes, key, Buffer.from(signature.sig, "base64")))
    throw new EvError("EV_DELTA_SIGNATURE", "the delta's manifest signature does not verify", {
      hint: "the manifest was altered after signing, or the signature is corrupt",
    });
  return signature.keyId;
}

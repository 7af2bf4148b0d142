package network.tos.ai.wallet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One account's ed25519 key, signing with the JDK's own EdDSA provider. Keep it secret: it signs
 * writes in this account's name. Instances are immutable and safe to share between threads.
 */
public final class Wallet {
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] seed;
  private final byte[] publicKey;
  private final PrivateKey privateKey;
  private final String hrp;
  private final String address;

  private Wallet(byte[] seed, String hrp) {
    if (seed.length != 32) {
      throw new IllegalArgumentException("an ed25519 private key (seed) is 32 bytes");
    }
    this.seed = seed.clone();
    this.hrp = Objects.requireNonNull(hrp, "hrp");
    KeyPair pair = keyPairFromSeed(this.seed);
    this.privateKey = pair.getPrivate();
    this.publicKey = encodePublicKey((EdECPublicKey) pair.getPublic());
    this.address = Bech32.encodeAddress(publicKey, hrp);
  }

  /** A new random devnet wallet. */
  public static Wallet generate() {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    return new Wallet(seed, Bech32.DEVNET_HRP);
  }

  /** The devnet wallet of a 32-byte ed25519 seed, as hex (what {@code dev_accounts} gives). */
  public static Wallet fromPrivateKey(String hexSeed) {
    return fromPrivateKey(hexSeed, Bech32.DEVNET_HRP);
  }

  /** The wallet of a 32-byte ed25519 seed, as hex, with addresses under {@code hrp}. */
  public static Wallet fromPrivateKey(String hexSeed, String hrp) {
    String trimmed = hexSeed.strip();
    if (trimmed.length() != 64) {
      throw new IllegalArgumentException("a private key is 64 hex characters (32 bytes)");
    }
    return new Wallet(HEX.parseHex(trimmed), hrp);
  }

  /** The wallet of a 32-byte ed25519 seed. */
  public static Wallet fromSeed(byte[] seed, String hrp) {
    return new Wallet(seed, hrp);
  }

  /** The bech32 address ({@code tst1…} on the devnet). */
  public String address() {
    return address;
  }

  /** The 32-byte ed25519 public key. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The public key as 64 hex characters. */
  public String publicKeyHex() {
    return HEX.formatHex(publicKey);
  }

  /** The private key (32-byte seed) as hex: export it only to store it safely. */
  public String exportPrivateKey() {
    return HEX.formatHex(seed);
  }

  /** The HRP the address is written under. */
  public String hrp() {
    return hrp;
  }

  /** The 64-byte ed25519 signature of {@code message}. */
  public byte[] sign(byte[] message) {
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(privateKey);
      signer.update(message);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's Ed25519 provider failed to sign", e);
    }
  }

  /**
   * The bytes a signed request signs: the canonical JSON of {@code {chain_id, method, network,
   * nonce, params}}, where {@code params} are the params exactly as sent, without {@code auth}.
   */
  public static byte[] signingPayload(
      String method, JsonNode params, long nonce, String chainId, String network) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("chain_id", chainId);
    body.put("method", method);
    body.put("network", network);
    body.put("nonce", nonce);
    body.set("params", withoutAuth(params));
    return CanonicalJson.bytes(body);
  }

  /** Signs a request and returns its {@code auth} object. */
  public Auth signRequest(
      String method, JsonNode params, long nonce, String chainId, String network) {
    byte[] signature = sign(signingPayload(method, params, nonce, chainId, network));
    return new Auth(address, nonce, chainId, HEX.formatHex(signature));
  }

  /** True when {@code signatureHex} is the signature of {@code message} by {@code publicKey}. */
  public static boolean verify(byte[] publicKey, byte[] message, String signatureHex) {
    try {
      byte[] signature = HEX.parseHex(signatureHex);
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(decodePublicKey(publicKey));
      verifier.update(message);
      return verifier.verify(signature);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false;
    }
  }

  /** The {@code auth} member of a signed request's params. */
  public record Auth(String address, long nonce, String chainId, String signature) {
    /** This auth as the JSON object sent in params. */
    public ObjectNode toJson() {
      ObjectNode node = JsonNodeFactory.instance.objectNode();
      node.put("address", address);
      node.put("nonce", nonce);
      node.put("chain_id", chainId);
      node.put("signature", signature);
      return node;
    }
  }

  private static JsonNode withoutAuth(JsonNode params) {
    if (params == null || params.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (params.isObject() && params.has("auth")) {
      ObjectNode copy = ((ObjectNode) params).deepCopy();
      copy.remove("auth");
      return copy;
    }
    return params;
  }

  private static KeyPair keyPairFromSeed(byte[] seed) {
    try {
      // The JDK derives an Ed25519 key pair from 32 bytes it draws from the SecureRandom it is
      // given;
      // handing it the seed yields that seed's key pair (RFC 8032 section 5.1.5).
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's Ed25519 provider is missing", e);
    }
  }

  private static byte[] encodePublicKey(EdECPublicKey key) {
    EdECPoint point = key.getPoint();
    byte[] bigEndian = point.getY().toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < bigEndian.length && i < 32; i++) {
      out[i] = bigEndian[bigEndian.length - 1 - i];
    }
    if (point.isXOdd()) {
      out[31] |= (byte) 0x80;
    }
    return out;
  }

  private static PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    if (encoded.length != 32) {
      throw new IllegalArgumentException("a public key is 32 bytes");
    }
    byte[] littleEndian = encoded.clone();
    boolean xOdd = (littleEndian[31] & 0x80) != 0;
    littleEndian[31] &= 0x7F;
    byte[] bigEndian = new byte[32];
    for (int i = 0; i < 32; i++) {
      bigEndian[i] = littleEndian[31 - i];
    }
    EdECPoint point = new EdECPoint(xOdd, new BigInteger(1, bigEndian));
    return KeyFactory.getInstance("Ed25519")
        .generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, point));
  }

  @Override
  public String toString() {
    return "Wallet[" + address + "]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Wallet wallet
        && Arrays.equals(seed, wallet.seed)
        && hrp.equals(wallet.hrp);
  }

  @Override
  public int hashCode() {
    return address.hashCode();
  }

  /** Hands the JDK's key pair generator the seed instead of fresh randomness. */
  private static final class SeedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] seed;

    SeedRandom(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      if (bytes.length != seed.length) {
        throw new IllegalStateException(
            "the Ed25519 generator asked for " + bytes.length + " bytes");
      }
      System.arraycopy(seed, 0, bytes, 0, bytes.length);
    }
  }
}

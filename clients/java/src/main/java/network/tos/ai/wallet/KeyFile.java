package network.tos.ai.wallet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The passphrase-encrypted key file, in the Python client's format (version 1), so a wallet saved
 * by one client opens in the other:
 *
 * <pre>{"format": "tos_ai.wallet", "version": 1, "address": "tst1…",
 *  "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "&lt;16 bytes hex&gt;"},
 *  "cipher": {"name": "aes-256-gcm", "nonce": "&lt;12 bytes hex&gt;"},
 *  "ciphertext": "&lt;the 32-byte seed + 16-byte tag, hex&gt;"}</pre>
 *
 * The address is the cipher's associated data, so a file whose address was edited does not open.
 */
public final class KeyFile {
  /** The Python client's default scrypt cost. */
  public static final int DEFAULT_SCRYPT_N = 1 << 15;

  private static final String FORMAT = "tos_ai.wallet";
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  private KeyFile() {}

  /** The key file content for {@code wallet}, encrypted under {@code passphrase}. */
  public static ObjectNode encrypt(Wallet wallet, String passphrase, int scryptN) {
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[16];
    byte[] nonce = new byte[12];
    random.nextBytes(salt);
    random.nextBytes(nonce);
    byte[] key =
        Scrypt.derive(passphrase.getBytes(StandardCharsets.UTF_8), salt, scryptN, 8, 1, 32);
    byte[] seed = HEX.parseHex(wallet.exportPrivateKey());
    byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, key, nonce, wallet.address(), seed);
    ObjectNode document = JsonNodeFactory.instance.objectNode();
    document.put("format", FORMAT);
    document.put("version", 1);
    document.put("address", wallet.address());
    ObjectNode kdf = document.putObject("kdf");
    kdf.put("name", "scrypt");
    kdf.put("n", scryptN);
    kdf.put("r", 8);
    kdf.put("p", 1);
    kdf.put("salt", HEX.formatHex(salt));
    ObjectNode cipher = document.putObject("cipher");
    cipher.put("name", "aes-256-gcm");
    cipher.put("nonce", HEX.formatHex(nonce));
    document.put("ciphertext", HEX.formatHex(ciphertext));
    return document;
  }

  /** Opens key file content; {@link WrongPassphraseException} or {@link WalletException}. */
  public static Wallet decrypt(JsonNode document, String passphrase) {
    if (!FORMAT.equals(document.path("format").asText())) {
      throw new WalletException("not a tos_ai wallet file");
    }
    if (document.path("version").asInt(-1) != 1) {
      throw new WalletException("unsupported wallet file version " + document.get("version"));
    }
    String address = document.path("address").asText();
    JsonNode kdf = document.path("kdf");
    JsonNode cipher = document.path("cipher");
    if (!"scrypt".equals(kdf.path("name").asText())
        || !"aes-256-gcm".equals(cipher.path("name").asText())) {
      throw new WalletException("unsupported key derivation or cipher");
    }
    byte[] seed;
    try {
      byte[] key =
          Scrypt.derive(
              passphrase.getBytes(StandardCharsets.UTF_8),
              HEX.parseHex(kdf.path("salt").asText()),
              kdf.path("n").asInt(),
              kdf.path("r").asInt(),
              kdf.path("p").asInt(),
              32);
      seed =
          gcm(
              Cipher.DECRYPT_MODE,
              key,
              HEX.parseHex(cipher.path("nonce").asText()),
              address,
              HEX.parseHex(document.path("ciphertext").asText()));
    } catch (IllegalArgumentException e) {
      throw new WalletException("damaged wallet file: " + e.getMessage(), e);
    }
    String hrp =
        address.contains("1") ? address.substring(0, address.lastIndexOf('1')) : Bech32.DEVNET_HRP;
    Wallet wallet = Wallet.fromSeed(seed, hrp);
    if (!wallet.address().equals(address)) {
      throw new WalletException("the wallet file's address does not match its key");
    }
    return wallet;
  }

  /** Writes the encrypted key file (owner read/write only where the file system allows). */
  public static Path save(Wallet wallet, Path path, String passphrase) {
    try {
      String text =
          JSON.writerWithDefaultPrettyPrinter()
              .writeValueAsString(encrypt(wallet, passphrase, DEFAULT_SCRYPT_N));
      Files.deleteIfExists(path);
      try {
        Files.createFile(
            path,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(path);
      }
      Files.writeString(path, text + "\n", StandardOpenOption.TRUNCATE_EXISTING);
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens an encrypted key file. */
  public static Wallet load(Path path, String passphrase) {
    JsonNode document;
    try {
      document = JSON.readTree(Files.readString(path));
    } catch (IOException e) {
      throw new WalletException("cannot read wallet file " + path + ": " + e.getMessage(), e);
    }
    return decrypt(document, passphrase);
  }

  private static byte[] gcm(int mode, byte[] key, byte[] nonce, String address, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      cipher.updateAAD(address.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(input);
    } catch (AEADBadTagException e) {
      throw new WrongPassphraseException("wrong passphrase for this wallet file");
    } catch (GeneralSecurityException e) {
      throw new WalletException("cannot use AES-256-GCM: " + e.getMessage(), e);
    }
  }
}

package network.tos.ai.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
  private static final String PASSPHRASE = "correct horse battery staple";

  @Test
  void scrypt_matches_rfc_7914s_test_vectors() {
    assertEquals(
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
        HexFormat.of().formatHex(Scrypt.derive(new byte[0], new byte[0], 16, 1, 1, 64)));
    assertEquals(
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
        HexFormat.of()
            .formatHex(
                Scrypt.derive(
                    "password".getBytes(StandardCharsets.UTF_8),
                    "NaCl".getBytes(StandardCharsets.UTF_8),
                    1024,
                    8,
                    16,
                    64)));
  }

  @Test
  void a_key_file_the_python_client_wrote_opens_here() throws Exception {
    JsonNode document;
    try (InputStream in = KeyFileTest.class.getResourceAsStream("/python-wallet.json")) {
      document = new ObjectMapper().readTree(in);
    }
    Wallet wallet = KeyFile.decrypt(document, PASSPHRASE);
    assertEquals(
        "tst132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqqlyxgh", wallet.address());
    assertThrows(WrongPassphraseException.class, () -> KeyFile.decrypt(document, "wrong"));
    ObjectNode edited = document.deepCopy();
    edited.put("address", Wallet.generate().address());
    assertThrows(WrongPassphraseException.class, () -> KeyFile.decrypt(edited, PASSPHRASE));
  }

  @Test
  void a_saved_wallet_loads_back_and_only_its_owner_may_read_the_file(@TempDir Path dir)
      throws Exception {
    Wallet wallet = Wallet.generate();
    Path file = KeyFile.save(wallet, dir.resolve("wallet.json"), PASSPHRASE);
    assertEquals(wallet, KeyFile.load(file, PASSPHRASE));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertThrows(
        WalletException.class,
        () -> KeyFile.decrypt(new ObjectMapper().readTree("{}"), PASSPHRASE));
  }
}

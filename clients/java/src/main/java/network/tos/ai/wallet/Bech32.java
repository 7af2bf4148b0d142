package network.tos.ai.wallet;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * Classic bech32 (BIP-173, checksum constant 1, not bech32m) as the node uses it for addresses: the
 * HRP ({@code tst} on the devnet) and the 32-byte ed25519 public key.
 */
public final class Bech32 {
  /** The devnet's human-readable part. */
  public static final String DEVNET_HRP = "tst";

  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int[] GENERATOR = {
    0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3
  };
  private static final int BECH32_CONST = 1;

  private Bech32() {}

  /** The address of a 32-byte ed25519 public key under {@code hrp}. */
  public static String encodeAddress(byte[] publicKey, String hrp) {
    if (publicKey.length != 32) {
      throw new AddressException("a public key is 32 bytes");
    }
    return encode(hrp, publicKey);
  }

  /**
   * The 32-byte public key inside {@code address}, refusing everything the node refuses (another
   * HRP, a bad checksum, mixed case, another payload length).
   */
  public static byte[] decodeAddress(String address, String hrp) {
    Decoded decoded = decode(address);
    if (!decoded.hrp.equals(hrp)) {
      throw new AddressException("expected the '" + hrp + "' prefix, got '" + decoded.hrp + "'");
    }
    if (decoded.payload.length != 32) {
      throw new AddressException("an address holds a 32-byte public key");
    }
    return decoded.payload;
  }

  /** The lower-case spelling of a valid address for {@code hrp}. */
  public static String normalize(String address, String hrp) {
    return encodeAddress(decodeAddress(address, hrp), hrp);
  }

  static String encode(String hrp, byte[] payload) {
    int[] words = convertBits(payload, 8, 5, true);
    int[] checksum = checksum(hrp, words);
    StringBuilder out =
        new StringBuilder(hrp.length() + 1 + words.length + 6).append(hrp).append('1');
    for (int word : words) {
      out.append(CHARSET.charAt(word));
    }
    for (int word : checksum) {
      out.append(CHARSET.charAt(word));
    }
    return out.toString();
  }

  private record Decoded(String hrp, byte[] payload) {}

  private static Decoded decode(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) > 0x7E || text.charAt(i) < 0x21) {
        throw new AddressException("an address is a printable ASCII string");
      }
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (!lower.equals(text) && !text.toUpperCase(Locale.ROOT).equals(text)) {
      throw new AddressException("mixed case");
    }
    int separator = lower.lastIndexOf('1');
    if (separator < 1 || separator + 7 > lower.length() || lower.length() > 90) {
      throw new AddressException("malformed bech32 string");
    }
    String hrp = lower.substring(0, separator);
    int[] data = new int[lower.length() - separator - 1];
    for (int i = 0; i < data.length; i++) {
      int index = CHARSET.indexOf(lower.charAt(separator + 1 + i));
      if (index < 0) {
        throw new AddressException("character outside the bech32 alphabet");
      }
      data[i] = index;
    }
    if (polymod(concat(hrpExpand(hrp), data)) != BECH32_CONST) {
      throw new AddressException("bad checksum");
    }
    int[] words = new int[data.length - 6];
    System.arraycopy(data, 0, words, 0, words.length);
    int[] bytes = convertBits(words, 5, 8, false);
    byte[] payload = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      payload[i] = (byte) bytes[i];
    }
    return new Decoded(hrp, payload);
  }

  private static int[] checksum(String hrp, int[] words) {
    int[] values = concat(hrpExpand(hrp), words, new int[6]);
    int mod = polymod(values) ^ BECH32_CONST;
    int[] out = new int[6];
    for (int i = 0; i < 6; i++) {
      out[i] = (mod >>> (5 * (5 - i))) & 31;
    }
    return out;
  }

  private static int polymod(int[] values) {
    int checksum = 1;
    for (int value : values) {
      int top = checksum >>> 25;
      checksum = ((checksum & 0x1FFFFFF) << 5) ^ value;
      for (int bit = 0; bit < 5; bit++) {
        if (((top >>> bit) & 1) != 0) {
          checksum ^= GENERATOR[bit];
        }
      }
    }
    return checksum;
  }

  private static int[] hrpExpand(String hrp) {
    int[] out = new int[hrp.length() * 2 + 1];
    for (int i = 0; i < hrp.length(); i++) {
      out[i] = hrp.charAt(i) >>> 5;
      out[hrp.length() + 1 + i] = hrp.charAt(i) & 31;
    }
    return out;
  }

  private static int[] convertBits(byte[] data, int from, int to, boolean pad) {
    int[] values = new int[data.length];
    for (int i = 0; i < data.length; i++) {
      values[i] = data[i] & 0xFF;
    }
    return convertBits(values, from, to, pad);
  }

  private static int[] convertBits(int[] data, int from, int to, boolean pad) {
    int accumulator = 0;
    int bits = 0;
    int max = (1 << to) - 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * from / to + 1);
    for (int value : data) {
      accumulator = ((accumulator << from) | value) & 0xFFFFF;
      bits += from;
      while (bits >= to) {
        bits -= to;
        out.write((accumulator >>> bits) & max);
      }
    }
    if (pad) {
      if (bits > 0) {
        out.write((accumulator << (to - bits)) & max);
      }
    } else if (bits >= from || ((accumulator << (to - bits)) & max) != 0) {
      throw new AddressException("non-zero padding");
    }
    byte[] raw = out.toByteArray();
    int[] result = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      result[i] = raw[i] & 0xFF;
    }
    return result;
  }

  private static int[] concat(int[]... parts) {
    int length = 0;
    for (int[] part : parts) {
      length += part.length;
    }
    int[] out = new int[length];
    int at = 0;
    for (int[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }
}

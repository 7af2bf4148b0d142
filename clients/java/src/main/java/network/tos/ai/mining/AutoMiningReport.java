package network.tos.ai.mining;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an auto-miner did so far: a snapshot.
 *
 * @param scans finished scans
 * @param joined task ids joined, in order
 * @param submitted task id to submission id
 * @param errors what went wrong, in order (failed scans, refused joins or submissions)
 * @param lastScanAt when the last scan finished
 */
public record AutoMiningReport(
    int scans,
    List<String> joined,
    Map<String, String> submitted,
    List<String> errors,
    Optional<Instant> lastScanAt) {
  public AutoMiningReport {
    joined = List.copyOf(joined);
    submitted = Map.copyOf(submitted);
    errors = List.copyOf(errors);
  }
}

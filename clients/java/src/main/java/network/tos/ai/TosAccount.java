package network.tos.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import network.tos.ai.error.NonceMismatchException;
import network.tos.ai.error.WrongChainException;
import network.tos.ai.internal.Fields;
import network.tos.ai.internal.JsonRpc;
import network.tos.ai.internal.Results;
import network.tos.ai.model.Amounts;
import network.tos.ai.model.CancelReceipt;
import network.tos.ai.model.MinerConfig;
import network.tos.ai.model.MinerRegistration;
import network.tos.ai.model.Participation;
import network.tos.ai.model.PublishReceipt;
import network.tos.ai.model.SubmissionReceipt;
import network.tos.ai.model.TaskData;
import network.tos.ai.model.TaskSolution;
import network.tos.ai.model.ValidationReceipt;
import network.tos.ai.model.ValidationResult;
import network.tos.ai.wallet.Wallet;

/**
 * One account acting on a node: every write of the node API, signed by the account's wallet for the
 * node's chain with the account's next nonce.
 *
 * <p>Signed writes of one account are sent one after the other, so concurrent calls from any number
 * of threads never reuse a nonce. The client keeps the next nonce after a success and reads it
 * again from the node after any failure. A write the node refused <em>because of the signature
 * itself</em> — {@code wrong_chain} (the node's chain was reset) or {@code nonce_mismatch} (another
 * client used the key) — changed nothing and spent nothing, so it is signed again once with the
 * fresh chain id or nonce; no other write is ever sent twice.
 */
public final class TosAccount {
  private final TosClient client;
  private final Wallet wallet;
  private final Object lock = new Object();
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  private Long nextNonce; // null: ask the node

  TosAccount(TosClient client, Wallet wallet) {
    this.client = client;
    this.wallet = Objects.requireNonNull(wallet, "wallet");
  }

  public Wallet wallet() {
    return wallet;
  }

  public String address() {
    return wallet.address();
  }

  // ---------------------------------------------------------------------------------------------

  /** Publishes a task; the reward moves from this account's balance into escrow. */
  public PublishReceipt publishTask(TaskData task) {
    return JsonRpc.await(publishTaskAsync(task));
  }

  public CompletableFuture<PublishReceipt> publishTaskAsync(TaskData task) {
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    params.set("task_data", task.toJson());
    return signed("ai_publish_task", params, Results::publishReceipt);
  }

  /** Registers this account as a miner; the fee goes to the network account. */
  public MinerRegistration registerMiner(MinerConfig config) {
    return JsonRpc.await(registerMinerAsync(config));
  }

  public CompletableFuture<MinerRegistration> registerMinerAsync(MinerConfig config) {
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    params.set("miner_config", config.toJson());
    return signed("ai_register_miner", params, Results::minerRegistration);
  }

  /** Joins a task with {@code stake} locked (null: the node's minimum). */
  public Participation participateTask(String taskId, BigInteger stake) {
    return JsonRpc.await(participateTaskAsync(taskId, stake));
  }

  public CompletableFuture<Participation> participateTaskAsync(String taskId, BigInteger stake) {
    ObjectNode params = TosClient.taskIdParams("task_id", taskId);
    if (stake != null) {
      params.put("stake_amount", Amounts.check("stake_amount", stake).toString());
    }
    return signed("ai_participate_task", params, Results::participation);
  }

  /** Submits this account's solution to a task it joined. */
  public SubmissionReceipt submitSolution(String taskId, TaskSolution solution) {
    return JsonRpc.await(submitSolutionAsync(taskId, solution));
  }

  public CompletableFuture<SubmissionReceipt> submitSolutionAsync(
      String taskId, TaskSolution solution) {
    ObjectNode params = TosClient.taskIdParams("task_id", taskId);
    params.set("solution_data", solution.toJson());
    return signed("ai_submit_solution", params, Results::submissionReceipt);
  }

  /** Scores another miner's submission. */
  public ValidationReceipt validateSubmission(
      String taskId, String submissionId, ValidationResult result) {
    return JsonRpc.await(validateSubmissionAsync(taskId, submissionId, result));
  }

  public CompletableFuture<ValidationReceipt> validateSubmissionAsync(
      String taskId, String submissionId, ValidationResult result) {
    ObjectNode params = TosClient.taskIdParams("task_id", taskId);
    params.put(
        "submission_id",
        TosClient.taskIdParams("submission_id", submissionId).get("submission_id").asText());
    params.set("validation_result", result.toJson());
    return signed("ai_validate_submission", params, Results::validationReceipt);
  }

  /** Cancels a task this account published, before anyone joined; the escrow is refunded. */
  public CancelReceipt cancelTask(String taskId) {
    return JsonRpc.await(cancelTaskAsync(taskId));
  }

  public CompletableFuture<CancelReceipt> cancelTaskAsync(String taskId) {
    return signed(
        "ai_cancel_task", TosClient.taskIdParams("task_id", taskId), Results::cancelReceipt);
  }

  /**
   * Signs and sends any write with these params (without {@code auth}), in this account's order:
   * the lower-level path under the typed writes.
   */
  public JsonNode sendSigned(String method, ObjectNode params) {
    return JsonRpc.await(sendSignedAsync(method, params));
  }

  public CompletableFuture<JsonNode> sendSignedAsync(String method, ObjectNode params) {
    return enqueue(() -> attempt(method, params.deepCopy(), true));
  }

  // ---------------------------------------------------------------------------------------------

  private <T> CompletableFuture<T> signed(
      String method, ObjectNode params, Function<Fields, T> reader) {
    return sendSignedAsync(method, params)
        .thenApply(result -> reader.apply(Fields.of(method, result)));
  }

  private CompletableFuture<JsonNode> enqueue(
      java.util.function.Supplier<CompletableFuture<JsonNode>> work) {
    synchronized (lock) {
      CompletableFuture<JsonNode> result =
          tail.handle((ignored, error) -> null).thenCompose(ignored -> work.get());
      tail = result;
      return result;
    }
  }

  private CompletableFuture<JsonNode> attempt(String method, ObjectNode params, boolean mayResign) {
    return client
        .chainIdAsync()
        .thenCompose(
            chain ->
                nonce()
                    .thenCompose(
                        nonce -> {
                          Wallet.Auth auth =
                              wallet.signRequest(
                                  method, params, nonce, chain.chainId(), chain.network());
                          ObjectNode sent = params.deepCopy();
                          sent.set("auth", auth.toJson());
                          return client
                              .write(method, sent)
                              .handle(
                                  (result, error) -> {
                                    if (error == null) {
                                      setNonce(nonce + 1);
                                      return CompletableFuture.completedFuture(result);
                                    }
                                    Throwable cause = JsonRpc.unwrap(error);
                                    forgetNonce();
                                    if (cause instanceof WrongChainException) {
                                      client.forgetChain();
                                    }
                                    boolean stale =
                                        cause instanceof WrongChainException
                                            || cause instanceof NonceMismatchException;
                                    if (stale && mayResign) {
                                      return attempt(method, params, false);
                                    }
                                    return CompletableFuture.<JsonNode>failedFuture(cause);
                                  })
                              .thenCompose(future -> future);
                        }));
  }

  private CompletableFuture<Long> nonce() {
    synchronized (lock) {
      if (nextNonce != null) {
        return CompletableFuture.completedFuture(nextNonce);
      }
    }
    return client.getNonceAsync(wallet.address()).thenApply(answer -> answer.nonce());
  }

  private void setNonce(long next) {
    synchronized (lock) {
      nextNonce = next;
    }
  }

  /** Forgets the cached nonce: the next write asks the node. */
  void forgetNonce() {
    synchronized (lock) {
      nextNonce = null;
    }
  }
}

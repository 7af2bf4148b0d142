package network.tos.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import network.tos.ai.events.EventStream;
import network.tos.ai.internal.Fields;
import network.tos.ai.internal.JsonRpc;
import network.tos.ai.internal.Results;
import network.tos.ai.model.AccountNonce;
import network.tos.ai.model.Amounts;
import network.tos.ai.model.Balance;
import network.tos.ai.model.DaemonMiner;
import network.tos.ai.model.DevAccount;
import network.tos.ai.model.EventsPage;
import network.tos.ai.model.FaucetReceipt;
import network.tos.ai.model.InvalidInputException;
import network.tos.ai.model.MinedBlocks;
import network.tos.ai.model.MinerStats;
import network.tos.ai.model.MiningState;
import network.tos.ai.model.MiningStatistics;
import network.tos.ai.model.NetworkInfo;
import network.tos.ai.model.NodeInfo;
import network.tos.ai.model.Rules;
import network.tos.ai.model.TaskDetails;
import network.tos.ai.model.TaskQuery;
import network.tos.ai.model.TaskSummary;
import network.tos.ai.wallet.Bech32;
import network.tos.ai.wallet.Wallet;

/**
 * A client of one TOS node: every read method of the node API as a blocking call and a {@code
 * ...Async} twin returning a {@link CompletableFuture}, the signed writes through {@link
 * #account(Wallet)}, and the event stream through {@link #events()}.
 *
 * <pre>{@code
 * try (TosClient client = TosClient.connect("http://127.0.0.1:8545")) {
 *   NetworkInfo info = client.getNetworkInfo();
 *   TosAccount me = client.account(Wallet.generate());
 * }
 * }</pre>
 *
 * <p>Every call has a timeout; reads are retried with backoff and jitter on transient failures
 * ({@link RetryPolicy}); writes never are. Failures are {@link network.tos.ai.error.TosException}s.
 * Thread-safe: share one client.
 */
public final class TosClient implements AutoCloseable {
  /** The methods that change nothing, and so may be retried. */
  public static final Set<String> READ_METHODS =
      Set.of(
          "get_network_info",
          "ai_get_network_info",
          "ai_list_active_tasks",
          "ai_get_task_details",
          "ai_get_miner_stats",
          "ai_get_events",
          "ai_get_rules",
          "get_info",
          "get_version",
          "get_balance",
          "get_nonce",
          "get_ai_mining_statistics",
          "get_ai_mining_task",
          "get_ai_mining_miner",
          "get_ai_mining_active_tasks",
          "get_ai_mining_state",
          "dev_accounts",
          "rpc.discover");

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final JsonRpc rpc;
  private final URI wsUrl;
  private final HttpClient http;
  private final ExecutorService executor;
  private final Duration requestTimeout;
  private final Map<String, TosAccount> accounts = new ConcurrentHashMap<>();
  private final AtomicReference<CompletableFuture<ChainId>> chain = new AtomicReference<>();

  /** The chain a signature is for: {@code get_info}'s chain id and network. */
  public record ChainId(String chainId, String network) {}

  private TosClient(Builder builder) {
    this.requestTimeout = builder.requestTimeout;
    this.executor =
        Executors.newCachedThreadPool(
            runnable -> {
              Thread thread = new Thread(runnable, "tos-ai-http");
              thread.setDaemon(true);
              return thread;
            });
    this.http =
        HttpClient.newBuilder().connectTimeout(builder.connectTimeout).executor(executor).build();
    this.rpc =
        new JsonRpc(builder.url, http, builder.requestTimeout, builder.retry, builder.adminToken);
    this.wsUrl = builder.wsUrl != null ? builder.wsUrl : defaultWsUrl(builder.url);
  }

  /** A client of the node at {@code url} with the default timeouts and retries. */
  public static TosClient connect(String url) {
    return builder(url).build();
  }

  public static Builder builder(String url) {
    return new Builder(URI.create(url));
  }

  /** The node's JSON-RPC URL. */
  public URI url() {
    return rpc.url();
  }

  /** The node's event WebSocket URL ({@code ws://…/ai/ws}). */
  public URI wsUrl() {
    return wsUrl;
  }

  HttpClient http() {
    return http;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  // ---------------------------------------------------------------------------------------------
  // The raw call

  /**
   * Calls any method with raw params and returns the raw result: the escape hatch for what the
   * typed calls do not cover. Methods in {@link #READ_METHODS} are retried; others are not.
   */
  public JsonNode call(String method, JsonNode params) {
    return JsonRpc.await(callAsync(method, params));
  }

  public CompletableFuture<JsonNode> callAsync(String method, JsonNode params) {
    Objects.requireNonNull(method, "method");
    return rpc.call(method, params, READ_METHODS.contains(method));
  }

  private <T> CompletableFuture<T> read(
      String method, JsonNode params, Function<Fields, T> reader) {
    return rpc.call(method, params, true)
        .thenApply(result -> reader.apply(Fields.of(method, result)));
  }

  private <T> CompletableFuture<List<T>> readList(
      String method, JsonNode params, Function<Fields, T> reader) {
    return rpc.call(method, params, true)
        .thenApply(result -> Fields.listOf(method, "result", result, reader));
  }

  CompletableFuture<JsonNode> write(String method, JsonNode params) {
    return rpc.call(method, params, false);
  }

  // ---------------------------------------------------------------------------------------------
  // Network

  /** The AI-mining network summary. */
  public NetworkInfo getNetworkInfo() {
    return JsonRpc.await(getNetworkInfoAsync());
  }

  public CompletableFuture<NetworkInfo> getNetworkInfoAsync() {
    return read("get_network_info", null, Results::networkInfo);
  }

  /** The same summary through the {@code ai_get_network_info} alias. */
  public NetworkInfo aiGetNetworkInfo() {
    return JsonRpc.await(aiGetNetworkInfoAsync());
  }

  public CompletableFuture<NetworkInfo> aiGetNetworkInfoAsync() {
    return read("ai_get_network_info", null, Results::networkInfo);
  }

  /**
   * The protocol's rules as the node applies them ({@code ai_get_rules}): difficulty levels with
   * reward ranges and reputation minimums, the stake divisors, limits, task types, statuses, event
   * names and its rate limits.
   */
  public Rules getRules() {
    return JsonRpc.await(getRulesAsync());
  }

  public CompletableFuture<Rules> getRulesAsync() {
    return read("ai_get_rules", null, Results::rules);
  }

  /** Height, version, network, node time, head seq and chain id. */
  public NodeInfo getInfo() {
    return JsonRpc.await(getInfoAsync());
  }

  public CompletableFuture<NodeInfo> getInfoAsync() {
    return read("get_info", null, Results::nodeInfo);
  }

  /** The node's version string. */
  public String getVersion() {
    return JsonRpc.await(getVersionAsync());
  }

  public CompletableFuture<String> getVersionAsync() {
    return rpc.call("get_version", null, true).thenApply(r -> Results.string("get_version", r));
  }

  /** The node's OpenRPC document. */
  public JsonNode rpcDiscover() {
    return JsonRpc.await(rpcDiscoverAsync());
  }

  public CompletableFuture<JsonNode> rpcDiscoverAsync() {
    return rpc.call("rpc.discover", null, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  /** Active tasks (Published, InProgress, UnderValidation), filtered, sorted and paged. */
  public List<TaskSummary> listActiveTasks(TaskQuery query) {
    return JsonRpc.await(listActiveTasksAsync(query));
  }

  public CompletableFuture<List<TaskSummary>> listActiveTasksAsync(TaskQuery query) {
    return readList("ai_list_active_tasks", query.toJson(), Results::taskSummary);
  }

  /** One task with participants, submissions, validations and rewards. */
  public TaskDetails getTaskDetails(String taskId) {
    return JsonRpc.await(getTaskDetailsAsync(taskId));
  }

  public CompletableFuture<TaskDetails> getTaskDetailsAsync(String taskId) {
    return read("ai_get_task_details", taskIdParams("task_id", taskId), Results::taskDetails);
  }

  /** The daemon-compatible task (the same record as {@link #getTaskDetails}). */
  public TaskDetails getAiMiningTask(String taskId) {
    return JsonRpc.await(getAiMiningTaskAsync(taskId));
  }

  public CompletableFuture<TaskDetails> getAiMiningTaskAsync(String taskId) {
    return read("get_ai_mining_task", taskIdParams("task_id", taskId), Results::taskDetails);
  }

  /** Active tasks keyed by task id. */
  public Map<String, TaskSummary> getAiMiningActiveTasks() {
    return JsonRpc.await(getAiMiningActiveTasksAsync());
  }

  public CompletableFuture<Map<String, TaskSummary>> getAiMiningActiveTasksAsync() {
    return rpc.call("get_ai_mining_active_tasks", null, true)
        .thenApply(
            r -> Fields.mapOf("get_ai_mining_active_tasks", "result", r, Results::taskSummary));
  }

  /** The first page of every task (at most 100, oldest first), every miner, and the statistics. */
  public MiningState getAiMiningState() {
    return JsonRpc.await(getAiMiningStateAsync());
  }

  public CompletableFuture<MiningState> getAiMiningStateAsync() {
    return read("get_ai_mining_state", null, Results::miningState);
  }

  /** A page of {@code limit} (1–100) tasks from {@code offset}, every miner, the statistics. */
  public MiningState getAiMiningState(int limit, long offset) {
    return JsonRpc.await(getAiMiningStateAsync(limit, offset));
  }

  public CompletableFuture<MiningState> getAiMiningStateAsync(int limit, long offset) {
    if (limit < 1 || limit > 100) {
      throw new InvalidInputException("limit", "must be 1 to 100");
    }
    if (offset < 0) {
      throw new InvalidInputException("offset", "must be 0 or more");
    }
    ObjectNode params = NODES.objectNode();
    params.put("limit", limit);
    params.put("offset", offset);
    return read("get_ai_mining_state", params, Results::miningState);
  }

  /** The daemon-compatible statistics. */
  public MiningStatistics getAiMiningStatistics() {
    return JsonRpc.await(getAiMiningStatisticsAsync());
  }

  public CompletableFuture<MiningStatistics> getAiMiningStatisticsAsync() {
    return read("get_ai_mining_statistics", null, Results::miningStatistics);
  }

  // ---------------------------------------------------------------------------------------------
  // Accounts and miners

  /** An address's balance (unknown addresses have 0). */
  public Balance getBalance(String address) {
    return JsonRpc.await(getBalanceAsync(address));
  }

  public CompletableFuture<Balance> getBalanceAsync(String address) {
    return read("get_balance", addressParams("address", address), Results::balance);
  }

  /** The nonce the next signed request from {@code address} must carry. */
  public AccountNonce getNonce(String address) {
    return JsonRpc.await(getNonceAsync(address));
  }

  public CompletableFuture<AccountNonce> getNonceAsync(String address) {
    return read("get_nonce", addressParams("address", address), Results::nonce);
  }

  /** A miner's reputation and counters (a blank record for an address never seen). */
  public MinerStats getMinerStats(String address) {
    return JsonRpc.await(getMinerStatsAsync(address));
  }

  public CompletableFuture<MinerStats> getMinerStatsAsync(String address) {
    return read("ai_get_miner_stats", addressParams("miner_address", address), Results::minerStats);
  }

  /** The daemon-compatible miner record; -32001 for an address that is not a registered miner. */
  public DaemonMiner getAiMiningMiner(String address) {
    return JsonRpc.await(getAiMiningMinerAsync(address));
  }

  public CompletableFuture<DaemonMiner> getAiMiningMinerAsync(String address) {
    return read("get_ai_mining_miner", addressParams("address", address), Results::daemonMiner);
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /** Up to {@code limit} (1–1000) events with {@code seq > sinceSeq}: the HTTP catch-up path. */
  public EventsPage getEvents(long sinceSeq, int limit) {
    return JsonRpc.await(getEventsAsync(sinceSeq, limit));
  }

  public CompletableFuture<EventsPage> getEventsAsync(long sinceSeq, int limit) {
    if (sinceSeq < 0) {
      throw new InvalidInputException("since_seq", "must be 0 or more");
    }
    if (limit < 1 || limit > 1000) {
      throw new InvalidInputException("limit", "must be 1 to 1000");
    }
    ObjectNode params = NODES.objectNode();
    params.put("since_seq", sinceSeq);
    params.put("limit", limit);
    return read("ai_get_events", params, Results::eventsPage);
  }

  /** The node's event stream over WebSocket: configure it, then listen or iterate. */
  public EventStream.Builder events() {
    return EventStream.builder(http, wsUrl, this::forgetChain);
  }

  // ---------------------------------------------------------------------------------------------
  // Signed writes

  /**
   * The account of {@code wallet} on this node: its signed writes, serialised so that concurrent
   * calls never reuse a nonce. One account object per address and client.
   */
  public TosAccount account(Wallet wallet) {
    return accounts.compute(
        wallet.address(),
        (address, existing) ->
            existing != null && existing.wallet().equals(wallet)
                ? existing
                : new TosAccount(this, wallet));
  }

  /** The chain id and network signatures are made for, read once from {@code get_info}. */
  public CompletableFuture<ChainId> chainIdAsync() {
    CompletableFuture<ChainId> known = chain.get();
    if (known != null && !known.isCompletedExceptionally()) {
      return known;
    }
    CompletableFuture<ChainId> fresh =
        getInfoAsync().thenApply(info -> new ChainId(info.chainId(), info.network()));
    chain.compareAndSet(known, fresh);
    return fresh;
  }

  public ChainId chainId() {
    return JsonRpc.await(chainIdAsync());
  }

  /** Forgets the chain id (after {@code wrong_chain}, or when the node's chain was reset). */
  public void forgetChain() {
    chain.set(null);
    accounts.values().forEach(TosAccount::forgetNonce);
  }

  // ---------------------------------------------------------------------------------------------
  // Dev mode

  /** The dev accounts with their private keys (dev mode). */
  public List<DevAccount> devAccounts() {
    return JsonRpc.await(devAccountsAsync());
  }

  public CompletableFuture<List<DevAccount>> devAccountsAsync() {
    return readList("dev_accounts", null, Results::devAccount);
  }

  /** Mints {@code amount} atomic units to {@code address} (dev mode; not retried). */
  public FaucetReceipt devFaucet(String address, BigInteger amount) {
    return JsonRpc.await(devFaucetAsync(address, amount));
  }

  public CompletableFuture<FaucetReceipt> devFaucetAsync(String address, BigInteger amount) {
    ObjectNode params = addressParams("address", address);
    params.put("amount", Amounts.check("amount", amount).toString());
    return write("dev_faucet", params)
        .thenApply(r -> Results.faucetReceipt(Fields.of("dev_faucet", r)));
  }

  /** Moves the node's clock forward without mining; returns the new node time (dev mode). */
  public long devIncreaseTime(long seconds) {
    return JsonRpc.await(devIncreaseTimeAsync(seconds));
  }

  public CompletableFuture<Long> devIncreaseTimeAsync(long seconds) {
    ObjectNode params = NODES.objectNode();
    params.put("seconds", seconds);
    return write("dev_increase_time", params)
        .thenApply(r -> Results.integer("dev_increase_time", r));
  }

  /** Mines {@code blocks} blocks now, each running expiry and completion (dev mode). */
  public MinedBlocks devMine(int blocks) {
    return JsonRpc.await(devMineAsync(blocks));
  }

  public CompletableFuture<MinedBlocks> devMineAsync(int blocks) {
    ObjectNode params = NODES.objectNode();
    params.put("blocks", blocks);
    return write("dev_mine", params).thenApply(r -> Results.minedBlocks(Fields.of("dev_mine", r)));
  }

  // ---------------------------------------------------------------------------------------------

  static ObjectNode addressParams(String name, String address) {
    Objects.requireNonNull(address, name);
    ObjectNode params = NODES.objectNode();
    params.put(name, Bech32.normalize(address, Bech32.DEVNET_HRP));
    return params;
  }

  static ObjectNode taskIdParams(String name, String id) {
    if (id == null || !id.matches("[0-9a-fA-F]{64}")) {
      throw new InvalidInputException(name, "a blake3-256 id is 64 hex characters");
    }
    ObjectNode params = NODES.objectNode();
    params.put(name, id.toLowerCase(java.util.Locale.ROOT));
    return params;
  }

  private static URI defaultWsUrl(URI url) {
    String scheme = "https".equals(url.getScheme()) ? "wss" : "ws";
    return URI.create(scheme + "://" + url.getRawAuthority() + "/ai/ws");
  }

  /** Stops the client's threads; calls in flight fail. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** Configures a {@link TosClient}. */
  public static final class Builder {
    private final URI url;
    private URI wsUrl;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(15);
    private RetryPolicy retry = RetryPolicy.defaults();
    private String adminToken;

    private Builder(URI url) {
      this.url = Objects.requireNonNull(url, "url");
    }

    /** The event WebSocket URL; default {@code ws://<host:port>/ai/ws}. */
    public Builder wsUrl(String wsUrl) {
      this.wsUrl = URI.create(wsUrl);
      return this;
    }

    /** How long to wait for a TCP connection (default 5 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout);
      return this;
    }

    /** How long one call may take, reply included (default 15 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout);
      return this;
    }

    /**
     * The devnode's admin token ({@code --admin-token-file}), sent as {@code Authorization: Bearer}
     * with the {@code dev_*} methods only: a node that requires signatures keeps them closed to
     * everyone else (and only a call from its own machine may open them).
     */
    public Builder adminToken(String token) {
      this.adminToken = Objects.requireNonNull(token, "token");
      return this;
    }

    /** How reads are retried (default {@link RetryPolicy#defaults()}). */
    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    public TosClient build() {
      return new TosClient(this);
    }

    private static Duration positive(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("a timeout must be positive");
      }
      return timeout;
    }
  }
}

// tos-ai-miner: the TOS design's auto-mining loop as a program. Runs until SIGINT or SIGTERM (or
// --duration), one log line per thing it does on stderr.
#include <tos_ai/tos_ai.hpp>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* usage = R"(usage: tos-ai-miner [options]

  --node URL            the node (default: $TOS_NODE_URL, else http://127.0.0.1:8545)
  --key-file PATH       a file holding the account's private key (64 hex characters)
                        (default: $TOS_AI_PRIVATE_KEY)
  --new-key             make a new key; its address and private key are printed first
  --config FILE         auto-mining settings as JSON, the TOS design's field names:
                        {"target_difficulty": ["Beginner"], "max_concurrent_tasks": 1,
                         "min_success_probability": 0.0, "min_time_left": 3600,
                         "check_interval": 60, "auto_submit_solutions": true}
  --difficulty LIST     comma-separated target difficulties (default Beginner)
  --max-concurrent N    joined, unfinished tasks at once (default 1)
  --min-success P       the least estimated chance of winning, 0..1 (default 0)
  --min-time-left S     skip tasks with fewer seconds left (default 3600)
  --interval S          seconds between scans (default 60; task_published wakes it sooner)
  --stake-fraction F    stake this share of the reward, within what the task accepts (default 0.1)
  --no-submit           join only; never submit
  --no-events           scan only; do not listen for task_published
  --answer TEXT         answer every task with TEXT (default: a drafted answer built from the task)
  --faucet AMOUNT       dev mode: mint AMOUNT atomic units to the account first
  --register            register the account as a miner first, if it is not
  --duration S          stop after S seconds (default: until SIGINT or SIGTERM)
  --help                this text
)";

std::mutex log_lock;

void log(const std::string& line) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
  std::lock_guard lock(log_lock);
  std::cerr << stamp << "Z " << line << std::endl;
}

// The default solver: a structured draft from the task's own text, labelled as such.
class DraftSolver : public tos_ai::Solver {
 public:
  tos_ai::Solution solve(const tos_ai::TaskDetails& task) override {
    std::ostringstream content;
    content << "[drafted by tos-ai-miner: no AI model was consulted]\n"
            << "Task: " << task.title << "\nType: " << task.task_type.variant()
            << "; difficulty: " << task.difficulty_level << "\n\nUnderstanding of the request:\n"
            << task.description
            << "\n\nApproach: restate the requirements, list the assumptions, address each requirement in turn, "
               "and say what a reviewer should check.";
    return {.content = content.str(), .documentation = "Plug in a real solver through tos_ai::Solver."};
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw tos_ai::InputError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string text) {
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  return text;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!trim(item).empty()) out.push_back(trim(item));
  }
  return out;
}

struct Options {
  std::string node;
  std::optional<std::string> key_file;
  bool new_key = false;
  nlohmann::json config = nlohmann::json::object();
  std::optional<std::string> answer;
  std::optional<tos_ai::Amount> faucet;
  bool register_first = false;
  std::optional<int> duration;
};

Options parse(int argc, char** argv) {
  Options options;
  const char* env_url = std::getenv("TOS_NODE_URL");
  options.node = env_url ? env_url : "http://127.0.0.1:8545";
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw tos_ai::InputError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      std::exit(0);
    } else if (arg == "--node") {
      options.node = value();
    } else if (arg == "--key-file") {
      options.key_file = value();
    } else if (arg == "--new-key") {
      options.new_key = true;
    } else if (arg == "--config") {
      options.config.merge_patch(nlohmann::json::parse(read_file(value())));
    } else if (arg == "--difficulty") {
      options.config["target_difficulty"] = split(value());
    } else if (arg == "--max-concurrent") {
      options.config["max_concurrent_tasks"] = std::stoul(value());
    } else if (arg == "--min-success") {
      options.config["min_success_probability"] = std::stod(value());
    } else if (arg == "--min-time-left") {
      options.config["min_time_left"] = std::stod(value());
    } else if (arg == "--interval") {
      options.config["check_interval"] = std::stod(value());
    } else if (arg == "--stake-fraction") {
      options.config["stake_fraction"] = std::stod(value());
    } else if (arg == "--no-submit") {
      options.config["auto_submit_solutions"] = false;
    } else if (arg == "--no-events") {
      options.config["use_events"] = false;
    } else if (arg == "--answer") {
      options.answer = value();
    } else if (arg == "--faucet") {
      options.faucet = tos_ai::parse_amount(value(), "--faucet");
    } else if (arg == "--register") {
      options.register_first = true;
    } else if (arg == "--duration") {
      options.duration = std::stoi(value());
    } else {
      throw tos_ai::InputError("unknown option " + arg + " (see --help)");
    }
  }
  return options;
}

tos_ai::Wallet load_wallet(const Options& options) {
  if (options.new_key) {
    auto wallet = tos_ai::Wallet::generate();
    std::cout << "address " << wallet.address() << "\nprivate key " << wallet.seed_hex() << std::endl;
    return wallet;
  }
  if (options.key_file) return tos_ai::Wallet::from_seed_hex(trim(read_file(*options.key_file)));
  if (const char* key = std::getenv("TOS_AI_PRIVATE_KEY")) return tos_ai::Wallet::from_seed_hex(trim(key));
  throw tos_ai::InputError("no key: pass --key-file PATH, set TOS_AI_PRIVATE_KEY, or --new-key");
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals in every thread; the main thread waits for them with sigtimedwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    Options options = parse(argc, argv);
    auto config = tos_ai::AutoMiningConfig::from_json(options.config);
    auto wallet = load_wallet(options);
    tos_ai::Client client(options.node);
    if (options.faucet) client.dev_faucet(wallet.address(), *options.faucet);
    if (options.register_first && !client.get_miner_stats(wallet.address()).is_registered) {
      auto registration = client.account(wallet).register_miner();
      log("registered " + registration.miner_address + " (reputation " + std::to_string(registration.reputation) + ")");
    }
    std::shared_ptr<tos_ai::Solver> solver;
    if (options.answer) {
      solver = std::make_shared<tos_ai::FixedSolver>(tos_ai::Solution{.content = *options.answer});
    } else {
      solver = std::make_shared<DraftSolver>();
    }

    tos_ai::AutoMiner miner(client, wallet, config, solver,
                            {.on_joined =
                                 [](const tos_ai::TaskSummary& task, const tos_ai::Participation& joined) {
                                   log("joined task " + task.task_id + " (" + task.difficulty_level + ", reward " +
                                       tos_ai::format_tos(task.reward_amount) + ", stake " +
                                       tos_ai::format_tos(joined.stake_amount) + ")");
                                 },
                             .on_submitted =
                                 [](const std::string& task_id, const tos_ai::SubmissionReceipt& receipt) {
                                   log("submitted " + receipt.submission_id + " to task " + task_id);
                                 },
                             .on_scan = [](std::uint64_t scans) { log("scan " + std::to_string(scans) + " done"); },
                             .on_error = [](const std::string& what) { log("error: " + what); }});
    log("mining as " + wallet.address() + " on " + options.node);
    miner.start();

    timespec wait{options.duration.value_or(0), 0};
    int signal = options.duration ? sigtimedwait(&stop_signals, nullptr, &wait) : sigwaitinfo(&stop_signals, nullptr);
    log(signal > 0 ? std::string("stopping on ") + strsignal(signal) : "stopping after --duration");
    miner.stop();
    auto report = miner.report();
    log("stopped: " + std::to_string(report.scans) + " scans, " + std::to_string(report.joined.size()) + " joined, " +
        std::to_string(report.submitted.size()) + " submitted");
    return 0;
  } catch (const tos_ai::InputError& error) {
    std::cerr << "tos-ai-miner: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "tos-ai-miner: " << error.what() << "\n";
    return 1;
  }
}

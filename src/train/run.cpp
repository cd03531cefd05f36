#include "train/run.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

nlohmann::json to_json(const RunConfig& c) {
  const auto& t = c.train;
  nlohmann::json j = {
      {"model", to_json(c.model)},
      {"objective", to_json(c.objective)},
      {"train",
       {{"epochs", t.epochs}, {"batch_size", t.batch_size}, {"lr", t.lr}, {"seed", t.seed}, {"test_limit", t.test_limit}}},
      {"data",
       {{"data", t.data.data}, {"split", t.data.split}, {"limit", t.data.limit}, {"binarize", to_string(t.data.binarize)}}}};
  if (t.lr_final >= 0) j["train"]["lr_final"] = t.lr_final;  // absent: constant (configs as before, byte for byte)
  if (!t.init_from.empty()) j["train"]["init_from"] = t.init_from;  // absent: random initial weights
  return j;
}

void save_run_config(const std::string& dir, const RunConfig& c) {
  write_file_atomic(dir + "/config.json", to_json(c).dump(2) + "\n");
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  RunConfig c;
  c.model = model_config_from_json(j.at("model"));
  c.objective = objective_config_from_json(j.at("objective"));
  const auto& t = j.at("train");
  c.train.epochs = t.at("epochs").get<int64_t>();
  c.train.batch_size = t.at("batch_size").get<int64_t>();
  c.train.lr = t.at("lr").get<double>();
  c.train.lr_final = t.value("lr_final", -1.0);
  c.train.seed = t.at("seed").get<uint64_t>();
  c.train.test_limit = t.value("test_limit", int64_t(-1));
  c.train.init_from = t.value("init_from", std::string());
  const auto& d = j.at("data");
  c.train.data.data = d.at("data").get<std::string>();
  c.train.data.split = d.value("split", std::string("train"));
  c.train.data.limit = d.at("limit").get<int64_t>();
  c.train.data.binarize = parse_binarize(d.at("binarize").get<std::string>());
  return c;
}

RunConfig load_run_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  if (!fs::is_directory(dir)) throw InputError("--run: " + dir + " is not a directory");
  if (!fs::exists(path)) throw InputError("--run: " + dir + " has no config.json (not a vlae run directory)");
  try {
    return run_config_from_json(nlohmann::json::parse(read_file(path)));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": malformed (" + e.what() + ")");
  }
}

std::string checkpoint_path(const std::string& dir) { return dir + "/checkpoint.pt"; }
bool has_checkpoint(const std::string& dir) { return fs::exists(checkpoint_path(dir)); }

void save_checkpoint(const std::string& dir, VAE& model, torch::optim::Adam& opt, int64_t epoch, int64_t step) {
  torch::serialize::OutputArchive ar, opt_ar;
  model->save(ar);
  opt.save(opt_ar);
  ar.write("optimizer", opt_ar);
  ar.write("epoch", torch::tensor(epoch, torch::kInt64));
  ar.write("step", torch::tensor(step, torch::kInt64));
  write_atomic_with(checkpoint_path(dir), [&](const std::string& tmp) { ar.save_to(tmp); });
}

std::pair<int64_t, int64_t> load_checkpoint(const std::string& dir, VAE& model, torch::optim::Adam* opt,
                                            int64_t epochs) {
  const std::string path = checkpoint_path(dir);
  if (!fs::exists(path)) throw InputError("--run: " + dir + " has no checkpoint.pt (train it first)");
  std::ifstream in(path, std::ios::binary);
  return load_checkpoint(in, path, model, opt, epochs);
}

std::pair<int64_t, int64_t> load_checkpoint(std::istream& in, const std::string& path, VAE& model,
                                            torch::optim::Adam* opt, int64_t epochs) {
  try {
    torch::serialize::InputArchive ar;
    ar.load_from(in);
    model->load(ar);
    torch::Tensor epoch, step;
    ar.read("epoch", epoch);
    ar.read("step", step);
    if (opt) {
      torch::serialize::InputArchive opt_ar;
      if (ar.try_read("optimizer", opt_ar))
        opt->load(opt_ar);
      else if (epoch.item<int64_t>() < epochs)
        throw InputError(path + ": holds weights only (an exported model, vlae export): it cannot be resumed");
    }
    return {epoch.item<int64_t>(), step.item<int64_t>()};
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    msg = msg.substr(0, msg.find('\n'));
    throw InputError(path + ": unreadable or from a different model configuration (" + msg + ")");
  }
}

void export_run(const std::string& run_dir, const std::string& out_dir) {
  LoadedRun run = load_run(run_dir);
  if (fs::exists(out_dir) && !(fs::is_directory(out_dir) && fs::is_empty(out_dir)))
    throw InputError("--out: " + out_dir + " exists and is not an empty folder (vlae never overwrites a model)");
  int64_t step = 0;
  {
    torch::serialize::InputArchive ar;
    ar.load_from(checkpoint_path(run_dir));
    torch::Tensor s;
    ar.read("step", s);
    step = s.item<int64_t>();
  }
  fs::create_directories(out_dir);
  save_run_config(out_dir, run.config);
  torch::serialize::OutputArchive ar;
  run.model->save(ar);
  ar.write("epoch", torch::tensor(run.epoch, torch::kInt64));
  ar.write("step", torch::tensor(step, torch::kInt64));
  write_atomic_with(checkpoint_path(out_dir), [&](const std::string& tmp) { ar.save_to(tmp); });
  const std::string metrics = run_dir + "/metrics.jsonl";
  if (fs::exists(metrics)) write_file_atomic(out_dir + "/metrics.jsonl", read_file(metrics));
}

LoadedRun load_run(const std::string& dir, const torch::Device& device) {
  LoadedRun r;
  r.config = load_run_config(dir);
  r.model = VAE(r.config.model);
  r.epoch = load_checkpoint(dir, r.model, nullptr).first;
  r.model->to(device);
  r.model->eval();
  return r;
}

DataSpec run_data_spec(const RunConfig& c) {
  DataSpec s = c.train.data;
  s.split = "test";
  s.limit = -1;
  if (s.binarize == Binarize::Dynamic) s.binarize = Binarize::Static;
  return s;
}

}  // namespace vlae

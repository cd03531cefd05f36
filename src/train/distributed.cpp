#include "train/distributed.h"

#include <algorithm>
#include <cstdlib>

#include "util/error.h"

#if VLAE_HAVE_C10D_GLOO  // CMake checks that this LibTorch's c10d Gloo group compiles and links
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if VLAE_HAVE_C10D_NCCL  // likewise for the NCCL group of a CUDA LibTorch
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace vlae {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int env_int(const char* name, int fallback) {
  const std::string v = env(name);
  if (v.empty()) return fallback;
  try {
    size_t used = 0;
    const int n = std::stoi(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    throw InputError("environment: " + std::string(name) + "='" + v + "' is not an integer");
  }
}

#if VLAE_HAVE_C10D_GLOO
// Buckets of at most this many bytes are flattened into one collective.
constexpr int64_t kBucketBytes = 4 << 20;

// The calls vlae makes on a process group. LibTorch 1.13's ProcessGroupGloo and ProcessGroupNCCL
// derive from c10d::ProcessGroup, 2.x's from c10d::Backend; both spell these calls alike, so one
// template serves either.
struct Collectives {
  virtual ~Collectives() = default;
  virtual c10::intrusive_ptr<c10d::Work> allreduce(std::vector<torch::Tensor>& t) = 0;  // sum
  virtual c10::intrusive_ptr<c10d::Work> broadcast(std::vector<torch::Tensor>& t) = 0;  // from rank 0
  virtual c10::intrusive_ptr<c10d::Work> barrier() = 0;
};

template <class Group>
struct GroupCollectives : Collectives {
  c10::intrusive_ptr<Group> group;
  explicit GroupCollectives(c10::intrusive_ptr<Group> g) : group(std::move(g)) {}
  c10::intrusive_ptr<c10d::Work> allreduce(std::vector<torch::Tensor>& t) override { return group->allreduce(t); }
  c10::intrusive_ptr<c10d::Work> broadcast(std::vector<torch::Tensor>& t) override { return group->broadcast(t); }
  c10::intrusive_ptr<c10d::Work> barrier() override { return group->barrier(); }
};

}  // namespace

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  std::unique_ptr<Collectives> group;
  // Where the group's collectives run: the CPU for Gloo, this rank's GPU for NCCL. Tensors elsewhere
  // (the evaluation's sums, kept on the CPU) travel there and back.
  torch::Device device = torch::kCPU;
  std::chrono::seconds timeout;

  // Runs f; any failure of c10d becomes one PeerError line naming the step.
  template <class F>
  void guarded(const char* what, F f) {
    try {
      f();
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      std::string msg = e.what();
      msg = msg.substr(0, msg.find('\n'));
      throw PeerError(std::string(what) + " failed: " + msg);
    }
  }
};


std::unique_ptr<Distributed> Distributed::from_environment(std::chrono::seconds timeout, const torch::Device& device) {
  const int world = env_int("WORLD_SIZE", 1);
  if (world <= 1) return nullptr;
  const int rank = env_int("RANK", -1);
  if (rank < 0 || rank >= world)
    throw InputError("environment: RANK must be in 0.." + std::to_string(world - 1) + " when WORLD_SIZE=" +
                     std::to_string(world));
  const std::string addr = env("MASTER_ADDR").empty() ? "127.0.0.1" : env("MASTER_ADDR");
  const int port = env_int("MASTER_PORT", c10d::TCPStoreOptions::kDefaultPort);
  if (port <= 0 || port > 65535) throw InputError("environment: MASTER_PORT must be a TCP port");

  std::unique_ptr<Distributed> d(new Distributed());
  d->rank_ = rank;
  d->world_ = world;
  d->impl_ = std::make_unique<Impl>();
  d->impl_->timeout = timeout;
  d->impl_->guarded("rendezvous", [&] {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    // torchrun's agent already serves the store on MASTER_PORT and says so; any other launcher
    // leaves it to rank 0.
    so.isServer = rank == 0 && env("TORCHELASTIC_USE_AGENT_STORE") != "True";
    so.numWorkers = world;
    so.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(addr, so);
    d->impl_->store = c10::make_intrusive<c10d::PrefixStore>("vlae/", tcp);
    if (device.is_cuda()) {
#if VLAE_HAVE_C10D_NCCL
      // A dead or stopped peer must end a collective within the timeout, not hang it: NCCL's work
      // waits on the host only in blocking mode (the variable's 1.x and 2.x names; a user's value wins).
      setenv("NCCL_BLOCKING_WAIT", "1", 0);
      setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      d->impl_->device = device;
      d->impl_->group = std::make_unique<GroupCollectives<c10d::ProcessGroupNCCL>>(
          c10::make_intrusive<c10d::ProcessGroupNCCL>(d->impl_->store, rank, world, opts));
      return;
#else
      // NCCL needs a CUDA build of LibTorch with c10d's NCCL group; Debian's 1.13 has none.
      throw InputError("--device cuda with several processes needs a LibTorch built with NCCL");
#endif
    }
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    // The interface Gloo uses: GLOO_SOCKET_IFNAME (PyTorch's variable; on several machines, e.g.
    // eth0, since a Debian hostname may resolve to 127.0.1.1), else the hostname's address.
    const std::string ifname = env("GLOO_SOCKET_IFNAME");
    opts->devices.push_back(ifname.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                           : c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    d->impl_->group = std::make_unique<GroupCollectives<c10d::ProcessGroupGloo>>(
        c10::make_intrusive<c10d::ProcessGroupGloo>(d->impl_->store, rank, world, opts));
  });
  return d;
}

Distributed::~Distributed() = default;


void Distributed::broadcast(std::vector<torch::Tensor> tensors) {
  impl_->guarded("broadcast (another process died or did not answer in time)", [&] {
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one{t.device() == impl_->device ? t : t.to(impl_->device)};
      impl_->group->broadcast(one)->wait();
      if (!one[0].is_same(t)) t.copy_(one[0]);
    }
  });
}

void Distributed::allreduce_sum(std::vector<torch::Tensor> tensors) {
  impl_->guarded("gradient all-reduce (another process died or did not answer in time)", [&] {
    size_t i = 0;
    while (i < tensors.size()) {
      // One bucket: consecutive tensors of one dtype and device up to kBucketBytes.
      std::vector<torch::Tensor> bucket{tensors[i]};
      int64_t bytes = tensors[i].numel() * tensors[i].element_size();
      size_t j = i + 1;
      while (j < tensors.size() && tensors[j].scalar_type() == tensors[i].scalar_type() &&
             tensors[j].device() == tensors[i].device() &&
             bytes + tensors[j].numel() * tensors[j].element_size() <= kBucketBytes) {
        bytes += tensors[j].numel() * tensors[j].element_size();
        bucket.push_back(tensors[j++]);
      }
      std::vector<torch::Tensor> flat{torch::cat([&] {
        std::vector<torch::Tensor> views;
        for (auto& t : bucket) views.push_back(t.reshape({-1}));
        return views;
      }()).to(impl_->device)};
      impl_->group->allreduce(flat)->wait();
      int64_t off = 0;
      for (auto& t : bucket) {
        t.copy_(flat[0].slice(0, off, off + t.numel()).view_as(t));
        off += t.numel();
      }
      i = j;
    }
  });
}

struct Distributed::OverlappedGradients::State {
  Distributed::Impl* impl = nullptr;
  std::vector<torch::Tensor> params;    // reverse registration order
  std::vector<int> bucket_of;           // per param
  std::vector<int64_t> offset;          // per param, within its bucket
  std::vector<torch::Tensor> flat;      // per bucket
  std::vector<int> total, pending;      // per bucket: params, params not yet arrived
  std::vector<c10::intrusive_ptr<c10d::Work>> work;  // per bucket, once started
  size_t next = 0;                      // the next bucket to start
  void start_ready() {
    while (next < flat.size() && pending[next] == 0) {
      std::vector<torch::Tensor> one{flat[next]};
      work[next] = impl->group->allreduce(one);
      ++next;
    }
  }
};

Distributed::OverlappedGradients::OverlappedGradients(Distributed& dist, std::vector<torch::Tensor> params)
    : s_(std::make_shared<State>()) {
  auto& s = *s_;
  s.impl = dist.impl_.get();
  s.params.assign(params.rbegin(), params.rend());
  int64_t bytes = kBucketBytes;  // start a new bucket at the first parameter
  std::vector<int64_t> sizes;
  for (const auto& p : s.params) {
    const int64_t b = p.numel() * p.element_size();
    if (bytes + b > kBucketBytes && !(sizes.empty() ? false : sizes.back() == 0)) {
      sizes.push_back(0);
      s.total.push_back(0);
      bytes = 0;
    }
    s.bucket_of.push_back(static_cast<int>(sizes.size()) - 1);
    s.offset.push_back(sizes.back());
    sizes.back() += p.numel();
    s.total.back() += 1;
    bytes += b;
  }
  for (size_t i = 0; i < sizes.size(); ++i)
    s.flat.push_back(torch::zeros({sizes[i]}, s.params.front().options().requires_grad(false)));
  s.pending = s.total;
  s.work.resize(sizes.size());
  std::weak_ptr<State> weak = s_;
  for (size_t i = 0; i < s.params.size(); ++i) {
    s.params[i].register_hook([weak, i](torch::Tensor grad) {
      auto st = weak.lock();
      if (!st) return;
      const int b = st->bucket_of[i];
      st->flat[b].slice(0, st->offset[i], st->offset[i] + grad.numel()).copy_(grad.reshape({-1}));
      if (--st->pending[b] == 0) st->start_ready();
    });
  }
}

Distributed::OverlappedGradients::~OverlappedGradients() = default;

void Distributed::OverlappedGradients::finish() {
  auto& s = *s_;
  s.impl->guarded("gradient all-reduce (another process died or did not answer in time)", [&] {
    // A parameter without a gradient this step (none in vlae's models) counts as zeros, so every
    // rank still starts every bucket.
    for (size_t i = 0; i < s.params.size(); ++i)
      if (!s.params[i].grad().defined() && s.pending[s.bucket_of[i]] > 0) {
        s.flat[s.bucket_of[i]].slice(0, s.offset[i], s.offset[i] + s.params[i].numel()).zero_();
        if (--s.pending[s.bucket_of[i]] == 0) s.start_ready();
      }
    for (auto& w : s.work) w->wait();
    for (size_t i = 0; i < s.params.size(); ++i) {
      auto& p = s.params[i];
      const auto sum = s.flat[s.bucket_of[i]].slice(0, s.offset[i], s.offset[i] + p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(sum);
      else
        p.mutable_grad() = sum.clone();
    }
  });
  s.pending = s.total;
  s.next = 0;
  for (auto& w : s.work) w.reset();
}

void Distributed::barrier() {
  impl_->guarded("barrier (another process died or did not answer in time)", [&] { impl_->group->barrier()->wait(); });
}

std::string Distributed::share(const std::string& key, const std::string& bytes_on_rank0) {
  std::string out;
  impl_->guarded("store exchange (rank 0 died or did not answer in time)", [&] {
    if (rank_ == 0) {
      impl_->store->set(key, std::vector<uint8_t>(bytes_on_rank0.begin(), bytes_on_rank0.end()));
      out = bytes_on_rank0;
    } else {
      const auto v = impl_->store->get(key);  // waits up to the store's timeout
      out.assign(v.begin(), v.end());
    }
  });
  return out;
}

#else  // no c10d Gloo in this LibTorch: one process only

}  // namespace

struct Distributed::Impl {};
struct Distributed::OverlappedGradients::State {};

std::unique_ptr<Distributed> Distributed::from_environment(std::chrono::seconds, const torch::Device&) {
  if (env_int("WORLD_SIZE", 1) <= 1) return nullptr;
  throw InputError("environment: WORLD_SIZE > 1, but this vlae was built without c10d's Gloo process group "
                   "(its LibTorch has none, or no gloo headers: Debian's libgloo-dev)");
}
Distributed::~Distributed() = default;
void Distributed::broadcast(std::vector<torch::Tensor>) { throw std::logic_error("no process group"); }
void Distributed::allreduce_sum(std::vector<torch::Tensor>) { throw std::logic_error("no process group"); }
void Distributed::barrier() { throw std::logic_error("no process group"); }
std::string Distributed::share(const std::string&, const std::string&) { throw std::logic_error("no process group"); }
Distributed::OverlappedGradients::OverlappedGradients(Distributed&, std::vector<torch::Tensor>) {
  throw std::logic_error("no process group");
}
Distributed::OverlappedGradients::~OverlappedGradients() = default;
void Distributed::OverlappedGradients::finish() {}

#endif

int Distributed::world_from_environment() { return std::max(1, env_int("WORLD_SIZE", 1)); }

int Distributed::local_rank_from_environment() {
  const int local = env_int("LOCAL_RANK", -1);
  if (local < -1 || (local == -1 && !env("LOCAL_RANK").empty()))
    throw InputError("environment: LOCAL_RANK must be >= 0");
  return local;
}

}  // namespace vlae

// Data-parallel training over processes with LibTorch's c10d: a TCPStore for rendezvous and a
// process group (Gloo on CPU; NCCL on CUDA where LibTorch has it). The launcher (torchrun, Slurm,
// Kubernetes, a shell) sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; without
// them the world is one process and nothing here runs. vlae writes no transport of its own.
// Every collective has the group's timeout: a rank that dies or stops answering ends the others
// with a PeerError (one line) instead of a hang.
#pragma once
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/types.h>

namespace vlae {

// Another process of the job died or stopped answering.
struct PeerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Distributed {
 public:
  // The world from the environment; nullptr when WORLD_SIZE is unset or 1. Throws InputError for
  // a malformed environment and PeerError when the rendezvous times out.
  static std::unique_ptr<Distributed> from_environment(std::chrono::seconds timeout, const torch::Device& device);
  // WORLD_SIZE (1 when unset), without any rendezvous; throws InputError when malformed.
  static int world_from_environment();
  // LOCAL_RANK (the process's index on its machine), -1 when unset; throws InputError when malformed.
  static int local_rank_from_environment();
  ~Distributed();

  int rank() const { return rank_; }
  int world() const { return world_; }

  // In place: rank 0's values on every rank.
  void broadcast(std::vector<torch::Tensor> tensors);
  // In place: the sum over ranks, in buckets of about 4 MiB (flattened, then copied back).
  void allreduce_sum(std::vector<torch::Tensor> tensors);
  void barrier();
  // Rank 0's bytes under `key` on every rank (through the store: configs, checkpoints).
  std::string share(const std::string& key, const std::string& bytes_on_rank0);

  // Gradient all-reduce overlapped with the backward pass (as PyTorch's DDP does): `params` are
  // split into buckets of about 4 MiB in reverse order (backward produces the last layers' gradients
  // first); a hook on each parameter copies its gradient into its bucket, and a full bucket is
  // all-reduced asynchronously while backward goes on. Buckets start strictly in order, so every
  // rank issues the same collectives in the same order. finish() waits for them and writes the
  // sums into the parameters' .grad. One per model, for the whole training run.
  class OverlappedGradients {
   public:
    OverlappedGradients(Distributed& dist, std::vector<torch::Tensor> params);
    ~OverlappedGradients();
    void finish();  // after backward: every gradient is the sum over ranks
   private:
    struct State;
    std::shared_ptr<State> s_;
  };

 private:
  Distributed() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, world_ = 1;
};

}  // namespace vlae

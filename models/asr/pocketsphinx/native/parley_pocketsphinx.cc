// N-API binding for PocketSphinx 5prealpha: one Decoder wraps one ps_decoder_t.
// Model loading, decoding and end-of-utterance passes run on the libuv threadpool;
// JavaScript only ever waits on promises.

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <napi.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

std::atomic<int> g_liveDecoders{0};

// Errors sphinxbase reported on this thread during the current native call, so a
// failure can say why without anyone reading a log.
thread_local std::string t_errors;

void CaptureLog(void* /*userData*/, err_lvl_t level, const char* fmt, ...) {
  if (level < ERR_ERROR || t_errors.size() > 1000) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::string msg(buf);
  while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
  if (msg.empty()) return;
  if (!t_errors.empty()) t_errors += "; ";
  t_errors += msg;
}

std::string Failure(const std::string& what) {
  std::string msg = "pocketsphinx: " + what;
  if (!t_errors.empty()) msg += " (" + t_errors + ")";
  t_errors.clear();
  return msg;
}

// Lowers the calling thread's CPU priority to `niceness`, so that when recognition
// saturates the CPU the event loop and the VAD worker thread (neither is a threadpool
// thread) still get it first. Linux keeps a nice value per thread, and setpriority() on a
// thread id changes that thread only.
// libuv reuses its threadpool threads: once niced, a thread stays niced for every later job,
// whoever queues it (this addon's decoders, and Node's own fs, dns, zlib and crypto work).
// Only ever lowers: raising needs CAP_SYS_NICE, and a decoder asking for less must not undo
// the priority another asked for on a shared thread. A failure is ignored: priority is a
// preference, never a reason to fail a decode.
void LowerThreadPriority(int niceness) {
#ifdef __linux__
  if (niceness <= 0) return;
  const id_t tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;  // -1 is a valid priority: only errno tells a failure
  const int current = getpriority(PRIO_PROCESS, tid);
  if (errno != 0 || current >= niceness) return;
  setpriority(PRIO_PROCESS, tid, niceness);
#else
  (void)niceness;
#endif
}

// Live CMN carries over from one utterance to the next. Its freshly loaded state is
// kept so reset() makes a pooled decoder decode exactly like a new one.
struct CmnSnapshot {
  bool valid = false;
  cmn_type_t type = CMN_NONE;
  std::vector<mfcc_t> mean;
  std::vector<mfcc_t> sum;
  int32 nframe = 0;
};

CmnSnapshot SaveCmn(ps_decoder_t* ps) {
  CmnSnapshot s;
  feat_t* feat = ps_get_feat(ps);
  if (feat == nullptr || feat->cmn_struct == nullptr) return s;
  const cmn_t* c = feat->cmn_struct;
  s.valid = true;
  s.type = feat->cmn;
  s.mean.assign(c->cmn_mean, c->cmn_mean + c->veclen);
  s.sum.assign(c->sum, c->sum + c->veclen);
  s.nframe = c->nframe;
  return s;
}

void RestoreCmn(ps_decoder_t* ps, const CmnSnapshot& s) {
  feat_t* feat = ps_get_feat(ps);
  if (!s.valid || feat == nullptr || feat->cmn_struct == nullptr) return;
  cmn_t* c = feat->cmn_struct;
  feat->cmn = s.type;
  std::copy(s.mean.begin(), s.mean.end(), c->cmn_mean);
  std::copy(s.sum.begin(), s.sum.end(), c->sum);
  c->nframe = s.nframe;
}

// Shared by the JS object and any in-flight worker, so neither can free the decoder
// under the other. Only the main thread touches the flags.
struct DecoderState {
  ps_decoder_t* ps = nullptr;
  CmnSnapshot initialCmn;
  int frameRate = 100;
  double sampleRate = 16000;
  int niceness = 0;             // set once at creation; read by worker threads
  bool busy = false;            // a worker thread is using ps
  bool releasePending = false;  // release() came while busy
  bool inUtt = false;

  void Free() {
    if (ps == nullptr) return;
    ps_free(ps);
    ps = nullptr;
    --g_liveDecoders;
#ifdef __GLIBC__
    // A decoder is ~90 MB of small allocations made on threadpool threads' arenas; glibc
    // keeps freed arena memory unless asked, so a wave of sessions would leave the process's
    // RSS at its peak. Decoders are freed rarely, so the walk over the heap is cheap enough.
    malloc_trim(0);
#endif
  }
  ~DecoderState() { Free(); }
};

using StatePtr = std::shared_ptr<DecoderState>;

// Marks the External that carries a new DecoderState into the Decoder constructor,
// so JavaScript cannot construct a Decoder around some other External.
const napi_type_tag kStateTag = {0x5061726c6579u, 0x70735f7374617465u};

struct AddonData {
  Napi::FunctionReference decoderCtor;
};

struct Word {
  std::string word;
  int startFrame;
  int endFrame;
};

struct Hypothesis {
  std::string text;
  int frames = 0;
  std::vector<Word> words;
};

// <s>, </s>, <sil>, [NOISE], [SPEECH] and older models' ++NOISE++ are fillers.
bool IsFiller(const char* w) {
  return w[0] == '<' || w[0] == '[' || (w[0] == '+' && w[1] == '+');
}

// "word(2)" is the dictionary's second pronunciation of "word".
std::string BaseWord(const char* w) {
  std::string s(w);
  const size_t open = s.rfind('(');
  if (open == std::string::npos || open == 0 || s.back() != ')' || open + 2 >= s.size()) return s;
  for (size_t i = open + 1; i + 1 < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return s;
  }
  s.resize(open);
  return s;
}

Hypothesis Collect(ps_decoder_t* ps) {
  Hypothesis h;
  h.frames = ps_get_n_frames(ps);
  for (ps_seg_t* seg = ps_seg_iter(ps); seg != nullptr; seg = ps_seg_next(seg)) {
    const char* w = ps_seg_word(seg);
    if (w == nullptr || IsFiller(w)) continue;
    int sf = 0;
    int ef = 0;
    ps_seg_frames(seg, &sf, &ef);
    h.words.push_back({BaseWord(w), sf, ef});
    if (!h.text.empty()) h.text += ' ';
    h.text += h.words.back().word;
  }
  return h;
}

Napi::Object ToJs(Napi::Env env, const Hypothesis& h) {
  Napi::Array words = Napi::Array::New(env, h.words.size());
  for (size_t i = 0; i < h.words.size(); ++i) {
    Napi::Object w = Napi::Object::New(env);
    w.Set("word", h.words[i].word);
    w.Set("startFrame", h.words[i].startFrame);
    w.Set("endFrame", h.words[i].endFrame);
    words.Set(static_cast<uint32_t>(i), w);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("text", h.text);
  out.Set("frames", h.frames);
  out.Set("words", words);
  return out;
}

Napi::Promise Rejected(Napi::Env env, const Napi::Error& error) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(error.Value());
  return deferred.Promise();
}

class CreateWorker : public Napi::AsyncWorker {
 public:
  CreateWorker(Napi::Env env, std::vector<std::string> args, int niceness)
      : Napi::AsyncWorker(env, "parley:pocketsphinx:create"),
        deferred_(Napi::Promise::Deferred::New(env)),
        args_(std::move(args)),
        niceness_(niceness) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    LowerThreadPriority(niceness_);
    t_errors.clear();
    std::vector<char*> argv;
    for (std::string& a : args_) argv.push_back(a.data());
    cmd_ln_t* config = cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
    if (config == nullptr) {
      SetError(Failure("invalid decoder arguments"));
      return;
    }
    ps_decoder_t* ps = ps_init(config);
    cmd_ln_free_r(config);  // ps_init keeps its own reference
    if (ps == nullptr) {
      SetError(Failure("cannot create decoder"));
      return;
    }
    ++g_liveDecoders;
    state_ = std::make_shared<DecoderState>();
    state_->ps = ps;
    state_->initialCmn = SaveCmn(ps);
    state_->niceness = niceness_;
    cmd_ln_t* effective = ps_get_config(ps);
    state_->frameRate = static_cast<int>(cmd_ln_int32_r(effective, "-frate"));
    state_->sampleRate = cmd_ln_float32_r(effective, "-samprate");
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      auto external = Napi::External<StatePtr>::New(env, &state_);
      external.TypeTag(&kStateTag);
      Napi::Object decoder = env.GetInstanceData<AddonData>()->decoderCtor.New({external});
      deferred_.Resolve(decoder);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
    state_.reset();
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<std::string> args_;
  int niceness_;
  StatePtr state_;
};

class DecodeWorker : public Napi::AsyncWorker {
 public:
  enum class Op { kProcess, kEndUtt };

  DecodeWorker(Napi::Env env, StatePtr state, Op op, std::vector<int16_t> samples)
      : Napi::AsyncWorker(env, "parley:pocketsphinx:decode"),
        deferred_(Napi::Promise::Deferred::New(env)),
        state_(std::move(state)),
        op_(op),
        samples_(std::move(samples)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    LowerThreadPriority(state_->niceness);
    t_errors.clear();
    ps_decoder_t* ps = state_->ps;
    if (op_ == Op::kProcess) {
      if (ps_process_raw(ps, samples_.data(), samples_.size(), FALSE, FALSE) < 0) {
        SetError(Failure("ps_process_raw failed"));
        return;
      }
    } else if (ps_end_utt(ps) < 0) {
      SetError(Failure("ps_end_utt failed"));
      return;
    }
    result_ = Collect(ps);
  }

  void OnOK() override {
    Settle();
    deferred_.Resolve(ToJs(Env(), result_));
  }

  void OnError(const Napi::Error& e) override {
    Settle();
    deferred_.Reject(e.Value());
  }

 private:
  void Settle() {
    state_->busy = false;
    if (state_->releasePending) state_->Free();
  }

  Napi::Promise::Deferred deferred_;
  StatePtr state_;
  Op op_;
  std::vector<int16_t> samples_;
  Hypothesis result_;
};

std::string ArgString(Napi::Object options, const char* key, bool required) {
  Napi::Value v = options.Get(key);
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (required || !v.IsUndefined()) {
    throw Napi::TypeError::New(options.Env(), std::string("pocketsphinx: options.") + key + " must be a string");
  }
  return {};
}

// 0 (the default) leaves the threads' priority as it is; 19 is the lowest Linux allows.
int NicenessOption(Napi::Object options) {
  Napi::Value v = options.Get("niceness");
  if (v.IsUndefined()) return 0;
  const double n = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(n >= 0 && n <= 19) || n != std::floor(n)) {  // NaN fails the range test
    throw Napi::TypeError::New(options.Env(), "pocketsphinx: options.niceness must be an integer from 0 to 19");
  }
  return static_cast<int>(n);
}

class Decoder : public Napi::ObjectWrap<Decoder> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Decoder",
                       {
                           StaticMethod<&Decoder::CreateAsync>("createAsync"),
                           InstanceMethod<&Decoder::StartUtt>("startUtt"),
                           InstanceMethod<&Decoder::ProcessAsync>("processAsync"),
                           InstanceMethod<&Decoder::EndUttAsync>("endUttAsync"),
                           InstanceMethod<&Decoder::Reset>("reset"),
                           InstanceMethod<&Decoder::Release>("release"),
                           InstanceAccessor<&Decoder::FrameRate>("frameRate"),
                           InstanceAccessor<&Decoder::SampleRate>("sampleRate"),
                           InstanceAccessor<&Decoder::InUtterance>("inUtterance"),
                           InstanceAccessor<&Decoder::Busy>("busy"),
                           InstanceAccessor<&Decoder::Released>("released"),
                       });
  }

  explicit Decoder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Decoder>(info) {
    if (info.Length() != 1 || !info[0].IsExternal() ||
        !info[0].As<Napi::External<StatePtr>>().CheckTypeTag(&kStateTag)) {
      throw Napi::TypeError::New(info.Env(), "pocketsphinx: use Decoder.createAsync(options) to create a Decoder");
    }
    state_ = *info[0].As<Napi::External<StatePtr>>().Data();
  }

 private:
  static Napi::Value CreateAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<std::string> args;
    int niceness = 0;
    try {
      if (info.Length() < 1 || !info[0].IsObject()) {
        throw Napi::TypeError::New(env, "pocketsphinx: createAsync expects { hmm, lm, dict, args?, niceness? }");
      }
      Napi::Object options = info[0].As<Napi::Object>();
      args = {"-hmm", ArgString(options, "hmm", true), "-lm", ArgString(options, "lm", true),
              "-dict", ArgString(options, "dict", true)};
      niceness = NicenessOption(options);
      Napi::Value extra = options.Get("args");
      if (!extra.IsUndefined()) {
        if (!extra.IsArray()) throw Napi::TypeError::New(env, "pocketsphinx: options.args must be an array of strings");
        Napi::Array list = extra.As<Napi::Array>();
        for (uint32_t i = 0; i < list.Length(); ++i) {
          Napi::Value a = list.Get(i);
          if (!a.IsString()) throw Napi::TypeError::New(env, "pocketsphinx: options.args must be an array of strings");
          args.push_back(a.As<Napi::String>().Utf8Value());
        }
        if (list.Length() % 2 != 0) throw Napi::TypeError::New(env, "pocketsphinx: options.args must be name/value pairs");
      }
      for (size_t i = 6; i < args.size(); i += 2) {
        // -logfn makes every ps_init swap (and fclose) the process-wide log FILE*,
        // racing decoders on other threads; the addon's log callback already keeps it quiet.
        if (args[i] == "-logfn") throw Napi::Error::New(env, "pocketsphinx: -logfn is not supported; the addon discards the log");
      }
    } catch (const Napi::Error& e) {
      return Rejected(env, e);
    }
    auto* worker = new CreateWorker(env, std::move(args), niceness);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  // Empty when the decoder can take a call now.
  std::string Unavailable(const char* method) const {
    if (state_->ps == nullptr || state_->releasePending) {
      return std::string("pocketsphinx: ") + method + "() on a released decoder";
    }
    if (state_->busy) {
      return std::string("pocketsphinx: ") + method + "() while another call is in flight; await it first";
    }
    return {};
  }

  void StartUtt(const Napi::CallbackInfo& info) {
    std::string err = Unavailable("startUtt");
    if (err.empty() && state_->inUtt) err = "pocketsphinx: startUtt() while an utterance is open; call endUttAsync() first";
    if (!err.empty()) throw Napi::Error::New(info.Env(), err);
    t_errors.clear();
    // 5prealpha counts segment frames from the stream start once an utterance
    // follows another; restarting the stream makes them count from this utterance.
    // It also re-estimates the noise floor; live CMN still carries over.
    ps_start_stream(state_->ps);
    if (ps_start_utt(state_->ps) < 0) throw Napi::Error::New(info.Env(), Failure("ps_start_utt failed"));
    state_->inUtt = true;
  }

  Napi::Value ProcessAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string err = Unavailable("processAsync");
    if (err.empty() && !state_->inUtt) err = "pocketsphinx: processAsync() outside an utterance; call startUtt() first";
    if (!err.empty()) return Rejected(env, Napi::Error::New(env, err));
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int16_array) {
      return Rejected(env, Napi::TypeError::New(env, "pocketsphinx: processAsync() expects an Int16Array"));
    }
    // Copied: the caller may reuse its buffer while the worker runs.
    Napi::Int16Array input = info[0].As<Napi::Int16Array>();
    std::vector<int16_t> samples(input.Data(), input.Data() + input.ElementLength());
    return Queue(env, DecodeWorker::Op::kProcess, std::move(samples));
  }

  Napi::Value EndUttAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string err = Unavailable("endUttAsync");
    if (err.empty() && !state_->inUtt) err = "pocketsphinx: endUttAsync() without an open utterance";
    if (!err.empty()) return Rejected(env, Napi::Error::New(env, err));
    state_->inUtt = false;  // ps_end_utt leaves no utterance open, even when it fails
    return Queue(env, DecodeWorker::Op::kEndUtt, {});
  }

  Napi::Value Queue(Napi::Env env, DecodeWorker::Op op, std::vector<int16_t> samples) {
    auto* worker = new DecodeWorker(env, state_, op, std::move(samples));
    Napi::Promise promise = worker->Promise();
    state_->busy = true;
    worker->Queue();
    return promise;
  }

  void Reset(const Napi::CallbackInfo& info) {
    std::string err = Unavailable("reset");
    if (err.empty() && state_->inUtt) err = "pocketsphinx: reset() while an utterance is open";
    if (!err.empty()) throw Napi::Error::New(info.Env(), err);
    RestoreCmn(state_->ps, state_->initialCmn);
  }

  // Idempotent. While a call is in flight, that call frees the decoder when it completes.
  void Release(const Napi::CallbackInfo& /*info*/) {
    if (state_->busy) {
      state_->releasePending = true;
    } else {
      state_->Free();
    }
  }

  Napi::Value FrameRate(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), state_->frameRate); }
  Napi::Value SampleRate(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), state_->sampleRate); }
  Napi::Value InUtterance(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_->inUtt); }
  Napi::Value Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_->busy); }
  Napi::Value Released(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), state_->ps == nullptr || state_->releasePending);
  }

  // A forgotten decoder is freed when this object is collected, or by the last
  // in-flight worker if one still holds the state.
  StatePtr state_;
};

Napi::Value LiveDecoderCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), g_liveDecoders.load());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Process-wide, once even with several worker_threads environments: messages go to
  // CaptureLog, so errors still reach the JS error messages, and the configuration
  // dump ps_init writes straight to the log FILE* goes to /dev/null. Nothing swaps or
  // closes that FILE* later (-logfn is refused), so decoders on other threads can
  // write to it safely.
  static std::once_flag quietLog;
  std::call_once(quietLog, [] {
    err_set_callback(CaptureLog, nullptr);
    if (FILE* devnull = std::fopen("/dev/null", "w")) err_set_logfp(devnull);
  });
  Napi::Function ctor = Decoder::Define(env);
  auto* data = new AddonData();
  data->decoderCtor = Napi::Persistent(ctor);
  env.SetInstanceData(data);
  exports.Set("Decoder", ctor);
  exports.Set("liveDecoderCount", Napi::Function::New<LiveDecoderCount>(env, "liveDecoderCount"));
  return exports;
}

}  // namespace

NODE_API_MODULE(parley_pocketsphinx, Init)

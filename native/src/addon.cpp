// Node-API bindings. Calls are synchronous: callers run training in a worker or child process.
#include <napi.h>

#include "internal.h"

namespace {

using namespace sqlstill;

Napi::Error toJsError(Napi::Env env, const std::string & code, const std::string & message) {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    return err;
}

// Runs fn, turning C++ exceptions into JS errors that carry a stable `code`.
template <typename Fn>
Napi::Value guarded(Napi::Env env, Fn && fn) {
    try {
        return fn();
    } catch (const Napi::Error &) {
        throw;
    } catch (const NativeError & e) {
        throw toJsError(env, e.code(), e.what());
    } catch (const std::bad_alloc &) {
        throw toJsError(env, "INTERNAL", "out of memory");
    } catch (const std::exception & e) {
        throw toJsError(env, "INTERNAL", e.what());
    }
}

std::string requireString(const Napi::Value & v, const char * what) {
    if (!v.IsString()) throw NativeError("BAD_REQUEST", std::string(what) + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

std::vector<int32_t> toTokens(const Napi::Value & v, const char * what) {
    std::vector<int32_t> out;
    if (v.IsTypedArray()) {
        Napi::TypedArray ta = v.As<Napi::TypedArray>();
        if (ta.TypedArrayType() == napi_int32_array) {
            Napi::Int32Array a = v.As<Napi::Int32Array>();
            out.assign(a.Data(), a.Data() + a.ElementLength());
            return out;
        }
        if (ta.TypedArrayType() == napi_uint32_array) {
            Napi::Uint32Array a = v.As<Napi::Uint32Array>();
            for (size_t i = 0; i < a.ElementLength(); i++) out.push_back(static_cast<int32_t>(a[i]));
            return out;
        }
    }
    if (!v.IsArray()) throw NativeError("BAD_REQUEST", std::string(what) + " must be an array of token ids");
    Napi::Array arr = v.As<Napi::Array>();
    out.reserve(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value x = arr.Get(i);
        if (!x.IsNumber()) throw NativeError("BAD_REQUEST", std::string(what) + " must contain only numbers");
        const double d = x.As<Napi::Number>().DoubleValue();
        if (d != static_cast<double>(static_cast<int32_t>(d))) throw NativeError("BAD_REQUEST", std::string(what) + " must contain integers");
        out.push_back(static_cast<int32_t>(d));
    }
    return out;
}

Napi::Float32Array toFloat32(Napi::Env env, const std::vector<float> & v) {
    Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
    std::copy(v.begin(), v.end(), a.Data());
    return a;
}

Napi::Value ggufValueToJs(Napi::Env env, const GgufValue & v) {
    switch (v.kind) {
        case GgufValue::Number: return Napi::Number::New(env, v.number);
        case GgufValue::Bool: return Napi::Boolean::New(env, v.boolean);
        case GgufValue::String: return Napi::String::New(env, v.str);
        case GgufValue::Array: {
            if (v.items.size() == v.arrayLength) {
                Napi::Array a = Napi::Array::New(env, v.items.size());
                for (size_t i = 0; i < v.items.size(); i++) a.Set(static_cast<uint32_t>(i), ggufValueToJs(env, v.items[i]));
                return a;
            }
            Napi::Object o = Napi::Object::New(env);
            o.Set("arrayType", v.arrayType);
            o.Set("length", Napi::Number::New(env, static_cast<double>(v.arrayLength)));
            return o;
        }
    }
    return env.Undefined();
}

Napi::Object hparamsToJs(Napi::Env env, const Hparams & hp) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("architecture", hp.arch);
    o.Set("nVocab", hp.nVocab);
    o.Set("nEmbd", hp.nEmbd);
    o.Set("nLayer", hp.nLayer);
    o.Set("nHead", hp.nHead);
    o.Set("nHeadKv", hp.nHeadKv);
    o.Set("nFf", hp.nFf);
    o.Set("nCtxTrain", hp.nCtxTrain);
    o.Set("headDim", hp.headDim);
    o.Set("nRot", hp.nRot);
    o.Set("rmsEps", hp.rmsEps);
    o.Set("ropeFreqBase", hp.ropeFreqBase);
    o.Set("ropeFreqScale", hp.ropeFreqScale);
    o.Set("ropeMode", hp.ropeMode == GGML_ROPE_TYPE_NEOX ? "neox" : "normal");
    return o;
}

Napi::Value GgmlInfoJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        GgmlInfo gi = ggmlInfo();
        Napi::Env env = info.Env();
        Napi::Object o = Napi::Object::New(env);
        Napi::Array backends = Napi::Array::New(env, gi.backends.size());
        for (size_t i = 0; i < gi.backends.size(); i++) backends.Set(static_cast<uint32_t>(i), gi.backends[i]);
        Napi::Array devices = Napi::Array::New(env, gi.devices.size());
        for (size_t i = 0; i < gi.devices.size(); i++) devices.Set(static_cast<uint32_t>(i), gi.devices[i]);
        o.Set("backends", backends);
        o.Set("devices", devices);
        o.Set("nThreads", gi.nThreads);
        o.Set("libDir", gi.libDir);
        return o;
    });
}

Napi::Value ReadGgufMetadataJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        GgufMetadata meta = readGgufMetadata(requireString(info[0], "path"));
        Napi::Object o = Napi::Object::New(env);
        o.Set("version", meta.version);
        o.Set("architecture", meta.architecture);
        Napi::Object kv = Napi::Object::New(env);
        for (const auto & e : meta.kv) kv.Set(e.first, ggufValueToJs(env, e.second));
        o.Set("metadata", kv);
        Napi::Array tensors = Napi::Array::New(env, meta.tensors.size());
        for (size_t i = 0; i < meta.tensors.size(); i++) {
            Napi::Object t = Napi::Object::New(env);
            t.Set("name", meta.tensors[i].name);
            t.Set("type", meta.tensors[i].type);
            Napi::Array shape = Napi::Array::New(env, meta.tensors[i].shape.size());
            for (size_t j = 0; j < meta.tensors[i].shape.size(); j++) {
                shape.Set(static_cast<uint32_t>(j), Napi::Number::New(env, static_cast<double>(meta.tensors[i].shape[j])));
            }
            t.Set("shape", shape);
            tensors.Set(static_cast<uint32_t>(i), t);
        }
        o.Set("tensors", tensors);
        return o;
    });
}

Napi::Value ModelHparamsJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        Model m(requireString(info[0], "modelPath"), nullptr); // hyperparameters only, no weights
        return hparamsToJs(info.Env(), m.hp());
    });
}

Napi::Value ForwardLogitsJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        const std::string path = requireString(info[0], "modelPath");
        std::vector<int32_t> tokens = toTokens(info[1], "tokens");
        const int threads = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
        return toFloat32(info.Env(), forwardLogits(path, tokens, threads));
    });
}

Napi::Value LoadBackendLibraryJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        loadBackendLibrary(requireString(info[0], "path"));
        return info.Env().Undefined();
    });
}

Napi::Value WatchParentJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        if (!info[0].IsNumber()) throw NativeError("BAD_REQUEST", "parent pid must be a number");
        watchParent(info[0].As<Napi::Number>().Int32Value());
        return info.Env().Undefined();
    });
}

Napi::Object deviceToJs(Napi::Env env, const DeviceInfo & d) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("backend", d.backend);
    o.Set("name", d.name);
    o.Set("description", d.description);
    o.Set("memoryFree", Napi::Number::New(env, static_cast<double>(d.memoryFree)));
    o.Set("memoryTotal", Napi::Number::New(env, static_cast<double>(d.memoryTotal)));
    o.Set("threads", d.threads);
    Napi::Object ops = Napi::Object::New(env);
    for (const auto & kv : d.fallbackOps) ops.Set(kv.first, Napi::Number::New(env, static_cast<double>(kv.second)));
    o.Set("fallbackOps", ops);
    return o;
}

// ---------------------------------------------------------------- Trainer

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
public:
    static Napi::Function Init(Napi::Env env) {
        return DefineClass(env, "Trainer",
                           {
                               InstanceMethod("trainStep", &TrainerWrap::TrainStep),
                               InstanceMethod("evalLoss", &TrainerWrap::EvalLoss),
                               InstanceMethod("computeGradients", &TrainerWrap::ComputeGradients),
                               InstanceMethod("forwardLogits", &TrainerWrap::ForwardLogits),
                               InstanceMethod("saveAdapter", &TrainerWrap::SaveAdapter),
                               InstanceMethod("loadAdapter", &TrainerWrap::LoadAdapter),
                               InstanceMethod("getTensor", &TrainerWrap::GetTensor),
                               InstanceMethod("setTensor", &TrainerWrap::SetTensor),
                               InstanceMethod("info", &TrainerWrap::Info),
                               InstanceMethod("setLearningRate", &TrainerWrap::SetLearningRate),
                               InstanceMethod("dispose", &TrainerWrap::Dispose),
                               InstanceMethod("predictTokens", &TrainerWrap::PredictTokens),
                               InstanceMethod("getMoments", &TrainerWrap::GetMoments),
                               InstanceMethod("setMoments", &TrainerWrap::SetMoments),
                               InstanceMethod("setSteps", &TrainerWrap::SetSteps),
                               InstanceMethod("setThreads", &TrainerWrap::SetThreads),
                               InstanceMethod("predictCompletions", &TrainerWrap::PredictCompletions),
                               InstanceMethod("deviceInfo", &TrainerWrap::DeviceInfoJs),
                           });
    }

    explicit TrainerWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<TrainerWrap>(info) {
        guarded(info.Env(), [&]() -> Napi::Value {
            if (!info[0].IsObject()) throw NativeError("BAD_REQUEST", "trainer options must be an object");
            Napi::Object o = info[0].As<Napi::Object>();
            TrainerOptions opts;
            opts.modelPath = requireString(o.Get("modelPath"), "modelPath");
            auto num = [&](const char * key, double fallback) {
                Napi::Value v = o.Get(key);
                if (v.IsUndefined() || v.IsNull()) return fallback;
                if (!v.IsNumber()) throw NativeError("BAD_REQUEST", std::string(key) + " must be a number");
                return v.As<Napi::Number>().DoubleValue();
            };
            opts.rank = static_cast<int>(num("rank", opts.rank));
            opts.alpha = static_cast<float>(num("alpha", opts.alpha));
            opts.lr = static_cast<float>(num("lr", opts.lr));
            opts.weightDecay = static_cast<float>(num("weightDecay", opts.weightDecay));
            opts.beta1 = static_cast<float>(num("beta1", opts.beta1));
            opts.beta2 = static_cast<float>(num("beta2", opts.beta2));
            opts.eps = static_cast<float>(num("eps", opts.eps));
            opts.gradClip = static_cast<float>(num("gradClip", opts.gradClip));
            auto flag = [&](const char * key, bool & out) {
                Napi::Value v = o.Get(key);
                if (v.IsUndefined() || v.IsNull()) return;
                if (!v.IsBoolean()) throw NativeError("BAD_REQUEST", std::string(key) + " must be a boolean");
                out = v.As<Napi::Boolean>().Value();
            };
            auto text = [&](const char * key, std::string & out) {
                Napi::Value v = o.Get(key);
                if (v.IsUndefined() || v.IsNull()) return;
                out = requireString(v, key);
            };
            flag("transposedBackward", opts.transposedBackward);
            flag("packing", opts.packing);
            text("transposedType", opts.transposedType);
            text("backend", opts.backend);
            text("attention", opts.attention);
            opts.packLength = static_cast<int>(num("packLength", opts.packLength));
            opts.seed = static_cast<uint32_t>(num("seed", opts.seed));
            opts.threads = static_cast<int>(num("threads", 0));
            opts.maxLength = static_cast<int>(num("maxLength", opts.maxLength));
            Napi::Value targets = o.Get("targets");
            if (!targets.IsArray()) throw NativeError("BAD_REQUEST", "targets must be an array of target names");
            Napi::Array ta = targets.As<Napi::Array>();
            for (uint32_t i = 0; i < ta.Length(); i++) opts.targets.push_back(requireString(ta.Get(i), "target"));
            trainer_ = std::make_unique<Trainer>(opts);
            return info.Env().Undefined();
        });
    }

private:
    Trainer & trainer() {
        if (!trainer_) throw NativeError("BAD_REQUEST", "trainer was disposed");
        return *trainer_;
    }

    static std::vector<TrainExample> toBatch(const Napi::Value & v) {
        if (!v.IsArray()) throw NativeError("BAD_REQUEST", "batch must be an array of { tokens, completionStart }");
        Napi::Array arr = v.As<Napi::Array>();
        std::vector<TrainExample> batch;
        for (uint32_t i = 0; i < arr.Length(); i++) {
            Napi::Value item = arr.Get(i);
            if (!item.IsObject()) throw NativeError("BAD_REQUEST", "batch items must be objects");
            Napi::Object o = item.As<Napi::Object>();
            TrainExample ex;
            ex.tokens = toTokens(o.Get("tokens"), "tokens");
            Napi::Value cs = o.Get("completionStart");
            if (!cs.IsNumber()) throw NativeError("BAD_REQUEST", "completionStart must be a number");
            ex.completionStart = cs.As<Napi::Number>().Int32Value();
            Napi::Value labels = o.Get("labels");
            if (!labels.IsUndefined() && !labels.IsNull()) ex.labels = toTokens(labels, "labels");
            batch.push_back(std::move(ex));
        }
        return batch;
    }

    static Napi::Object stepToJs(Napi::Env env, const StepResult & r) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("loss", r.loss);
        o.Set("tokens", Napi::Number::New(env, static_cast<double>(r.tokens)));
        o.Set("step", Napi::Number::New(env, static_cast<double>(r.step)));
        o.Set("gradNorm", r.gradNorm);
        o.Set("exampleTokens", Napi::Number::New(env, static_cast<double>(r.exampleTokens)));
        o.Set("computedTokens", Napi::Number::New(env, static_cast<double>(r.computedTokens)));
        o.Set("sequences", Napi::Number::New(env, static_cast<double>(r.sequences)));
        return o;
    }

    Napi::Value TrainStep(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value { return stepToJs(info.Env(), trainer().trainStep(toBatch(info[0]))); });
    }

    Napi::Value EvalLoss(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value { return stepToJs(info.Env(), trainer().evalLoss(toBatch(info[0]))); });
    }

    Napi::Value ComputeGradients(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            StepResult r;
            std::vector<LoraGradEntry> grads = trainer().computeGradients(toBatch(info[0]), &r);
            Napi::Object o = stepToJs(info.Env(), r);
            Napi::Object g = Napi::Object::New(info.Env());
            for (const LoraGradEntry & e : grads) g.Set(e.name, toFloat32(info.Env(), e.grad));
            o.Set("grads", g);
            return o;
        });
    }

    Napi::Value ForwardLogits(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            return toFloat32(info.Env(), trainer().forwardLogits(toTokens(info[0], "tokens")));
        });
    }

    Napi::Value SaveAdapter(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            std::map<std::string, std::string> meta;
            if (info.Length() > 1 && info[1].IsObject()) {
                Napi::Object o = info[1].As<Napi::Object>();
                Napi::Array keys = o.GetPropertyNames();
                for (uint32_t i = 0; i < keys.Length(); i++) {
                    const std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
                    meta[k] = o.Get(k).ToString().Utf8Value();
                }
            }
            trainer().saveAdapter(requireString(info[0], "path"), meta);
            return info.Env().Undefined();
        });
    }

    Napi::Value LoadAdapter(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            trainer().loadAdapter(requireString(info[0], "path"));
            return info.Env().Undefined();
        });
    }

    Napi::Value GetTensor(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            return toFloat32(info.Env(), trainer().getTensor(requireString(info[0], "name")));
        });
    }

    Napi::Value SetTensor(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
                throw NativeError("BAD_REQUEST", "values must be a Float32Array");
            }
            Napi::Float32Array a = info[1].As<Napi::Float32Array>();
            trainer().setTensor(requireString(info[0], "name"), std::vector<float>(a.Data(), a.Data() + a.ElementLength()));
            return info.Env().Undefined();
        });
    }

    Napi::Value Info(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            Napi::Env env = info.Env();
            Trainer & t = trainer();
            Napi::Object o = Napi::Object::New(env);
            o.Set("hparams", hparamsToJs(env, t.model().hp()));
            o.Set("trainableParams", Napi::Number::New(env, static_cast<double>(t.trainableParams())));
            o.Set("steps", Napi::Number::New(env, static_cast<double>(t.steps())));
            std::vector<std::string> names = t.tensorNames();
            Napi::Array arr = Napi::Array::New(env, names.size());
            for (size_t i = 0; i < names.size(); i++) arr.Set(static_cast<uint32_t>(i), names[i]);
            o.Set("tensorNames", arr);
            return o;
        });
    }

    Napi::Value SetLearningRate(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            if (!info[0].IsNumber()) throw NativeError("BAD_REQUEST", "learning rate must be a number");
            trainer().setLearningRate(info[0].As<Napi::Number>().FloatValue());
            return info.Env().Undefined();
        });
    }

    Napi::Value PredictTokens(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            std::vector<int32_t> out = trainer().predictTokens(toTokens(info[0], "tokens"));
            Napi::Int32Array a = Napi::Int32Array::New(info.Env(), out.size());
            std::copy(out.begin(), out.end(), a.Data());
            return a;
        });
    }

    Napi::Value GetMoments(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            auto mv = trainer().getMoments(requireString(info[0], "name"));
            Napi::Object o = Napi::Object::New(info.Env());
            o.Set("m", toFloat32(info.Env(), mv.first));
            o.Set("v", toFloat32(info.Env(), mv.second));
            return o;
        });
    }

    static std::vector<float> floatsOf(const Napi::Value & v, const char * what) {
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
            throw NativeError("BAD_REQUEST", std::string(what) + " must be a Float32Array");
        }
        Napi::Float32Array a = v.As<Napi::Float32Array>();
        return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
    }

    Napi::Value SetMoments(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            trainer().setMoments(requireString(info[0], "name"), floatsOf(info[1], "m"), floatsOf(info[2], "v"));
            return info.Env().Undefined();
        });
    }

    Napi::Value SetSteps(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            if (!info[0].IsNumber()) throw NativeError("BAD_REQUEST", "steps must be a number");
            trainer().setSteps(info[0].As<Napi::Number>().Int64Value());
            return info.Env().Undefined();
        });
    }

    Napi::Value SetThreads(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            if (!info[0].IsNumber()) throw NativeError("BAD_REQUEST", "threads must be a number");
            trainer().setThreads(info[0].As<Napi::Number>().Int32Value());
            return info.Env().Undefined();
        });
    }

    Napi::Value PredictCompletions(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value {
            std::vector<std::vector<int32_t>> out = trainer().predictCompletions(toBatch(info[0]));
            Napi::Array arr = Napi::Array::New(info.Env(), out.size());
            for (size_t i = 0; i < out.size(); i++) {
                Napi::Int32Array a = Napi::Int32Array::New(info.Env(), out[i].size());
                std::copy(out[i].begin(), out[i].end(), a.Data());
                arr.Set(static_cast<uint32_t>(i), a);
            }
            return arr;
        });
    }

    Napi::Value DeviceInfoJs(const Napi::CallbackInfo & info) {
        return guarded(info.Env(), [&]() -> Napi::Value { return deviceToJs(info.Env(), trainer().deviceInfo()); });
    }

    Napi::Value Dispose(const Napi::CallbackInfo & info) {
        trainer_.reset();
        return info.Env().Undefined();
    }

    std::unique_ptr<Trainer> trainer_;
};

Napi::Value QuantizeModelJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        const int threads = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
        quantizeModel(requireString(info[0], "input"), requireString(info[1], "output"), requireString(info[2], "type"), threads);
        return info.Env().Undefined();
    });
}

Napi::Value FuseAdapterJs(const Napi::CallbackInfo & info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        std::function<void(double)> progress;
        Napi::Function cb;
        if (info.Length() > 4 && info[4].IsFunction()) {
            cb = info[4].As<Napi::Function>();
            progress = [&](double fraction) { cb.Call({Napi::Number::New(env, fraction)}); };
        }
        fuseAdapter(requireString(info[0], "base"), requireString(info[1], "adapter"), requireString(info[2], "output"),
                    requireString(info[3], "type"), progress);
        return env.Undefined();
    });
}

Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
    exports.Set("quantizeModel", Napi::Function::New(env, QuantizeModelJs));
    exports.Set("fuseAdapter", Napi::Function::New(env, FuseAdapterJs));
    exports.Set("ggmlInfo", Napi::Function::New(env, GgmlInfoJs));
    exports.Set("readGgufMetadata", Napi::Function::New(env, ReadGgufMetadataJs));
    exports.Set("modelHparams", Napi::Function::New(env, ModelHparamsJs));
    exports.Set("forwardLogits", Napi::Function::New(env, ForwardLogitsJs));
    exports.Set("loadBackendLibrary", Napi::Function::New(env, LoadBackendLibraryJs));
    exports.Set("watchParent", Napi::Function::New(env, WatchParentJs));
    exports.Set("Trainer", TrainerWrap::Init(env));
    return exports;
}

} // namespace

NODE_API_MODULE(sqlstill_native, InitAll)

// Which ops of the training graph each GPU backend leaves to the CPU, where it cannot be measured here. Vulkan is
// measured (the trainer's device info counts what ggml's scheduler ran on the CPU); CUDA and Metal are read from
// their supports_op in the llama.cpp source node-llama-cpp 3.22.1 ships (node-llama-cpp/llama/gitRelease.bundle,
// llama.cpp de3ff815): ggml/src/ggml-cuda/ggml-cuda.cu ggml_backend_cuda_device_supports_op and
// ggml/src/ggml-metal/ggml-metal-device.m ggml_metal_device_supports_op, for the op types and shapes our graph
// builds (input-gradient out_prods are already mul_mats, see native/src/transpose.h).

export interface BackendOpsNote {
  backend: 'cuda' | 'metal'
  /** Ops of our training graph that fall back to the CPU. */
  fallback: string[]
  /** Why, with the source line. */
  reasons: Record<string, string>
}

export const BACKEND_FALLBACKS_FROM_SOURCE: BackendOpsNote[] = [
  {
    backend: 'cuda',
    fallback: [],
    reasons: {
      OUT_PROD: 'supported for F32 sources only (ggml-cuda.cu:5252); ours are F32 (frozen weights use transposed mul_mat copies)',
      GET_ROWS_BACK: 'supported with ne[2] = ne[3] = 1 (ggml-cuda.cu:5292), as ours are',
      REPEAT_BACK: 'supported while src0 ne2·ne3 ≤ 32768 (ggml-cuda.cu:5384), true for head × branch counts we build',
    },
  },
  {
    backend: 'metal',
    fallback: ['OUT_PROD', 'GET_ROWS_BACK', 'RMS_NORM_BACK', 'SOFT_MAX_BACK', 'REPEAT_BACK', 'CROSS_ENTROPY_LOSS', 'CROSS_ENTROPY_LOSS_BACK'],
    reasons: {
      OUT_PROD: 'not in the supports_op switch: the default returns false (ggml-metal-device.m:1949)',
      GET_ROWS_BACK: 'not in the switch (ggml-metal-device.m:1949)',
      RMS_NORM_BACK: 'not in the switch (ggml-metal-device.m:1949)',
      SOFT_MAX_BACK: 'not in the switch (ggml-metal-device.m:1949)',
      REPEAT_BACK: 'not in the switch (ggml-metal-device.m:1949)',
      CROSS_ENTROPY_LOSS: 'not in the switch (ggml-metal-device.m:1949)',
      CROSS_ENTROPY_LOSS_BACK: 'not in the switch (ggml-metal-device.m:1949)',
    },
  },
]

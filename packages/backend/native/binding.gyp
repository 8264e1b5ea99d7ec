{
  # Built by scripts/build-native.mjs (node-gyp against Node's own headers, never downloaded);
  # the result goes into the platform package beside the libraries it loads from ./lib.
  "targets": [
    {
      "target_name": "kd_backend",
      "sources": [
        "src/addon.cc",
        "src/isa.cc",
        "src/matmul.cc",
        "src/conv2d.cc",
        "src/kernels_avx512.cc",
        "src/kernels_avx2.cc",
        "src/kernels_baseline.cc"
      ],
      "include_dirs": ["/usr/include"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3"],
      "cflags_cc": [
        "-std=c++17",
        "-O3",
        "-fexceptions",
        "-fopenmp",
        "-fno-math-errno",
        # One rounding per operation on every instruction set: no fused multiply-adds the
        # compiler picks on its own, so the kernels give the same bits under AVX-512 and AVX2.
        "-ffp-contract=off",
        "-fvisibility=hidden"
      ],
      "ldflags": [
        "-fopenmp",
        # DT_RPATH (not RUNPATH) so that libdnnl's own dependencies (libgomp, libOpenCL) are
        # found in the same ./lib folder as libdnnl itself.
        "-Wl,--disable-new-dtags",
        "-Wl,-rpath,'$$ORIGIN/lib'",
        "-Wl,--no-as-needed"
      ],
      "libraries": ["-ldnnl", "-lgomp"]
    }
  ]
}

// The public API of @kd/trainer is listed here as it lands.

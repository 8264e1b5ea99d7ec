// The public API of @kd/data is listed here as it lands.

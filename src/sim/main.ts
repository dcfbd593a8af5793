export async function startSimulatedHA(_o: unknown) { return { url: "", adminToken: "", userToken: "", close: async () => {}, control: async () => null }; }

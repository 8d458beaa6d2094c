export const registerProposals: import("./main.js").Register = () => {};
